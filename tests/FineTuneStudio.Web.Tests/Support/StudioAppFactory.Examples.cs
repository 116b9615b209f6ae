using System.Net.Http.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Web.Tests.Support;

public partial class StudioAppFactory
{
    /// <summary>A fresh classification dataset in the demo's ticket project, so counts do not depend on other tests.</summary>
    public async Task<DatasetSummary> CreateUrgencyDatasetAsync(int requiredAnnotations = 2, IReadOnlyDictionary<string, LabelGuide>? labelGuides = null)
    {
        var projectId = await QueryAsync(db => db.Projects.Where(p => p.Name == "Support ticket triage").Select(p => p.Id).SingleAsync());
        return await Services.GetRequiredService<DatasetService>().CreateAsync(projectId,
            new DatasetInput($"Urgency {Guid.NewGuid():N}", TaskKind.Classification, "Classify the ticket.", "# Guidelines\n\n**critical** means an outage.",
                ["critical", "high", "normal", "low"], requiredAnnotations, LabelGuides: labelGuides),
            Actor.System, default);
    }

    public static ExampleInput TicketInput(string text, string? label = null) => new(
        [new MessageContent(MessageRole.System, "Classify the ticket."), new MessageContent(MessageRole.User, text), new MessageContent(MessageRole.Assistant, label ?? "normal")],
        Label: label);

    /// <summary>Creates an example over the API and returns what the server answered.</summary>
    public static async Task<ExampleDetail> CreateExampleAsync(HttpClient client, int datasetId, string text, string? label = null)
    {
        var response = await client.PostAsJsonAsync($"api/datasets/{datasetId}/examples", TicketInput(text, label));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ExampleDetail>())!;
    }

    /// <summary>The example as the client sees it now (e.g. the version a reviewer loads before deciding).</summary>
    public static async Task<ExampleDetail> LoadExampleAsync(HttpClient client, int exampleId) =>
        (await client.GetFromJsonAsync<ExampleDetail>($"api/examples/{exampleId}"))!;

    /// <summary>Creates an example as a reviewer would (no API call) and returns it.</summary>
    public Task<ExampleDetail> SeedExampleAsync(int datasetId, ExampleInput input) =>
        Services.GetRequiredService<ExampleEditor>().CreateAsync(datasetId, input, new ExampleCaller(Actor.System, CanReview: true), default);

    /// <summary>The demo user's own annotation of an example, saved as they would save it (they are no reviewer).</summary>
    public async Task SaveAnnotationAsAsync(string email, int exampleId, AnnotationInput input)
    {
        var userId = await QueryAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());
        var caller = new ExampleCaller(new Actor(userId, email), CanReview: false);
        await Services.GetRequiredService<Annotations>().SaveMyAnnotationAsync(exampleId, input, caller, default);
    }

    /// <summary>Registers the host's own example services in a bUnit container, so a rendered editor works on the host's data.</summary>
    public void AddExampleEditorServicesTo(IServiceCollection services)
    {
        services.AddSingleton(Services.GetRequiredService<ExampleEditor>());
        services.AddSingleton(Services.GetRequiredService<Annotations>());
        services.AddSingleton(Services.GetRequiredService<ExampleReview>());
        services.AddSingleton(Services.GetRequiredService<ExampleList>());
        services.AddSingleton(Services.GetRequiredService<DatasetService>());
        services.AddSingleton(Services.GetRequiredService<Core.Suggestions.LabelSuggestionService>());
    }
}

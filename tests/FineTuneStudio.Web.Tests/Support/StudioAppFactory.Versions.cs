using System.Net.Http.Json;
using FineTuneStudio.Core.Versions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Web.Tests.Support;

public partial class StudioAppFactory
{
    /// <summary>Cuts a version over the API and returns it; fails the test on any other answer than 201.</summary>
    public static async Task<VersionSummary> CutVersionAsync(HttpClient client, int datasetId, string target = TrainingTargets.OpenAiChat, int seed = 42)
    {
        var response = await client.PostAsJsonAsync($"api/datasets/{datasetId}/versions", new { target, seed });
        if (response.StatusCode != System.Net.HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Cutting a version answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        return (await response.Content.ReadFromJsonAsync<VersionSummary>(CliJson))!;
    }

    /// <summary>Cuts a version of every example but rejected ones, as an ML lead would, without the API.</summary>
    public Task<VersionSummary> CutAllExamplesAsync(int datasetId, string target) =>
        Services.GetRequiredService<VersionCutter>().CutAsync(new CutRequest(datasetId, target, CutStatusFilter.All), Core.Auditing.Actor.System, null, default);

    /// <summary>The recipes a version holds, read from its checked files.</summary>
    public Task<IReadOnlyList<TrainerRecipe>> RecipesOfAsync(int versionId) => Services.GetRequiredService<VersionFiles>().RecipesAsync(versionId, default);

    public static readonly System.Text.Json.JsonSerializerOptions CliJson = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
}

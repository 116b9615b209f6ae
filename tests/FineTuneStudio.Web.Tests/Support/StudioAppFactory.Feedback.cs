using System.Net.Http.Headers;
using System.Text;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Feedback;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Web.Tests.Support;

public partial class StudioAppFactory
{
    /// <summary>
    /// A project of its own with a classification dataset of approved tickets, so feedback tests do not
    /// change the demo data other tests count.
    /// </summary>
    public async Task<(int ProjectId, int DatasetId)> CreateFeedbackProjectAsync(int approvedExamples = 6)
    {
        var created = await NewFeedbackProjectAsync(approvedExamples);
        await JoinDemoTeamAsync(created.ProjectId);
        return created;
    }

    public async Task<(int ProjectId, int DatasetId)> CreateRetrainingProjectAsync(double driftThreshold, int cadenceDays, DateTime versionCutAt)
    {
        var created = await NewRetrainingProjectAsync(driftThreshold, cadenceDays, versionCutAt);
        await JoinDemoTeamAsync(created.ProjectId);
        return created;
    }

    private Task<(int ProjectId, int DatasetId)> NewFeedbackProjectAsync(int approvedExamples) => QueryAsync(async db =>
    {
        var now = DateTime.UtcNow;
        var project = new Project { Name = $"Feedback {Guid.NewGuid():N}", CreatedAt = now, UpdatedAt = now };
        var dataset = new Dataset { Name = "Urgency", TaskKind = TaskKind.Classification, Labels = ["high", "low"], Project = project, CreatedAt = now, UpdatedAt = now };
        db.Datasets.Add(dataset);
        for (var i = 0; i < approvedExamples; i++)
        {
            var example = new Example { Dataset = dataset, Status = ExampleStatus.Approved, Source = ExampleSource.Manual, CreatedAt = now, UpdatedAt = now };
            new ExampleContent([new MessageContent(MessageRole.User, $"checkout page fails for shop {i} after payment"), new MessageContent(MessageRole.Assistant, "high")], "high")
                .ApplyTo(example);
            db.Examples.Add(example);
        }

        await db.SaveChangesAsync();
        return (project.Id, dataset.Id);
    });

    /// <summary>
    /// A project that retrains every <paramref name="cadenceDays"/> days with its own drift threshold, whose
    /// version 1 (cut at <paramref name="versionCutAt"/>) trains on 40 approved tickets "checkout page fails for
    /// shop N after payment" (N = 0..39), all labelled high.
    /// </summary>
    private Task<(int ProjectId, int DatasetId)> NewRetrainingProjectAsync(double driftThreshold, int cadenceDays, DateTime versionCutAt) => QueryAsync(async db =>
    {
        var now = DateTime.UtcNow;
        var project = new Project
        {
            Name = $"Retraining {Guid.NewGuid():N}", CreatedAt = now, UpdatedAt = now, DriftThreshold = driftThreshold, RetrainingCadenceDays = cadenceDays,
        };
        var dataset = new Dataset { Name = "Urgency", TaskKind = TaskKind.Classification, Labels = ["high", "low"], Project = project, CreatedAt = now, UpdatedAt = now };
        db.Datasets.Add(dataset);
        var examples = new List<Example>();
        for (var i = 0; i < 40; i++)
        {
            var example = new Example { Dataset = dataset, Status = ExampleStatus.Approved, Source = ExampleSource.Manual, CreatedAt = versionCutAt, UpdatedAt = versionCutAt };
            new ExampleContent([new MessageContent(MessageRole.User, TrainingTicket(i)), new MessageContent(MessageRole.Assistant, "high")], "high").ApplyTo(example);
            examples.Add(example);
        }

        db.Examples.AddRange(examples);
        await db.SaveChangesAsync();
        var version = new DatasetVersion { Dataset = dataset, Number = 1, Target = "openai-chat", TrainCount = examples.Count, CreatedAt = versionCutAt };
        version.Examples.AddRange(examples.Select(e => new DatasetVersionExample { ExampleId = e.Id, Split = SplitPin.Train, ContentHash = e.ContentHash }));
        db.DatasetVersions.Add(version);
        await db.SaveChangesAsync();
        return (project.Id, dataset.Id);
    });

    /// <summary>The training input of ticket <paramref name="n"/> in <see cref="CreateRetrainingProjectAsync"/>.</summary>
    public static string TrainingTicket(int n) => $"checkout page fails for shop {n} after payment";

    /// <summary>A JSONL traffic log, one request an hour from <paramref name="start"/>.</summary>
    public static string TrafficLog(DateTime start, IEnumerable<(string Prompt, string Response)> requests) =>
        string.Join("\n", requests.Select((r, i) => System.Text.Json.JsonSerializer.Serialize(new
        {
            timestamp = start.AddHours(i).ToString("O"), prompt = r.Prompt, response = r.Response, rating = 1 + i % 5,
        })));

    /// <summary>Imports a JSONL traffic log into the project through the service (no upload, no limits).</summary>
    public Task<LogImportResult> ImportTrafficLogAsync(int projectId, string jsonl) =>
        Services.GetRequiredService<TrafficLogs>().ImportLogsAsync(projectId, new MemoryStream(Encoding.UTF8.GetBytes(jsonl)), Actor.System, default);

    /// <summary>Posts a traffic log as the multipart upload the API expects.</summary>
    public static Task<HttpResponseMessage> UploadLogsAsync(HttpClient client, int projectId, string jsonl, string? invalid = null)
    {
        var content = new MultipartFormDataContent();
        if (invalid is not null)
        {
            content.Add(new StringContent(invalid), "invalid");
        }

        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(jsonl));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        content.Add(file, "file", "traffic.jsonl");
        return client.PostAsync($"api/projects/{projectId}/logs", content);
    }
}

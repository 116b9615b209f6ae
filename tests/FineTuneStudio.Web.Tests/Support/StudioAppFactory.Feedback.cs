using System.Net.Http.Headers;
using System.Text;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;

namespace FineTuneStudio.Web.Tests.Support;

public partial class StudioAppFactory
{
    /// <summary>
    /// A project of its own with a classification dataset of approved tickets, so feedback tests do not
    /// change the demo data other tests count.
    /// </summary>
    public Task<(int ProjectId, int DatasetId)> CreateFeedbackProjectAsync(int approvedExamples = 6) => QueryAsync(async db =>
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

    /// <summary>Posts a traffic log as the multipart upload the API expects.</summary>
    public static Task<HttpResponseMessage> UploadLogsAsync(HttpClient client, int projectId, string jsonl)
    {
        var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(jsonl));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        content.Add(file, "file", "traffic.jsonl");
        return client.PostAsync($"api/projects/{projectId}/logs", content);
    }
}

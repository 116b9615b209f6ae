using System.Net.Http.Headers;
using System.Text;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Projects;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Web.Tests.Support;

/// <summary>Intent helpers for import tests: a fresh project and dataset per test, so the demo data stays as seeded.</summary>
public partial class StudioAppFactory
{
    public async Task<(int ProjectId, int DatasetId)> CreateImportTargetAsync(TaskKind kind = TaskKind.Chat, IReadOnlyList<string>? labels = null)
    {
        var project = await Services.GetRequiredService<ProjectService>().CreateAsync(new ProjectInput($"Import test {Guid.NewGuid():N}", null), Actor.System, default);
        var dataset = await Services.GetRequiredService<DatasetService>().CreateAsync(project.Id, new DatasetInput("Imported", kind, Labels: labels), Actor.System, default);
        await JoinDemoTeamAsync(project.Id);
        return (project.Id, dataset.Id);
    }

    /// <summary>Posts a file (and form fields) to the import endpoint as multipart/form-data.</summary>
    public static async Task<HttpResponseMessage> PostImportAsync(HttpClient client, int datasetId, string fileName, string content,
        IReadOnlyDictionary<string, string>? fields = null, string path = "")
    {
        using var form = FileForm(fileName, content, fields);
        return await client.PostAsync($"api/datasets/{datasetId}/imports{path}", form);
    }

    /// <summary>A multipart form with the file in a part named "file", as the API's uploads take it.</summary>
    public static MultipartFormDataContent FileForm(string fileName, string content, IReadOnlyDictionary<string, string>? fields = null)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields ?? new Dictionary<string, string>())
        {
            form.Add(new StringContent(value), name);
        }

        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(content));
        file.Headers.ContentType = new MediaTypeHeaderValue(fileName.EndsWith(".csv", StringComparison.Ordinal) ? "text/csv" : "application/jsonl");
        form.Add(file, "file", fileName);
        return form;
    }

    /// <summary>Imports a JSONL file into a dataset as approved examples, as an ML lead's import would.</summary>
    public async Task ImportApprovedAsync(int datasetId, string jsonl)
    {
        await using var stream = new MemoryStream(Encoding.UTF8.GetBytes(jsonl));
        var result = await Services.GetRequiredService<ImportService>().ImportAsync(datasetId, stream,
            new ImportOptions { Status = ExampleStatus.Approved }, Actor.System, null, default);
        result.EnsureSucceeded();
    }

    public Task<int> ExampleCountAsync(int datasetId) => QueryAsync(db => db.Examples.CountAsync(e => e.DatasetId == datasetId));

    /// <summary>Sets the upload limit for the duration of a test (the setting is read on every request).</summary>
    public IDisposable UploadLimit(long bytes)
    {
        var configuration = Services.GetRequiredService<IConfiguration>();
        var before = configuration[UploadLimitOptions.MaxUploadBytesKey];
        ChangeSetting(UploadLimitOptions.MaxUploadBytesKey, bytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new Restore(() => ChangeSetting(UploadLimitOptions.MaxUploadBytesKey, before));
    }

    /// <summary>
    /// Changes a setting in the running app as an edit of appsettings.json would: the value, then a reload, so
    /// options read through <c>IOptionsMonitor</c> see it.
    /// </summary>
    public void ChangeSetting(string key, string? value)
    {
        var configuration = (IConfigurationRoot)Services.GetRequiredService<IConfiguration>();
        configuration[key] = value;
        configuration.Reload();
    }

    private sealed class Restore(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}

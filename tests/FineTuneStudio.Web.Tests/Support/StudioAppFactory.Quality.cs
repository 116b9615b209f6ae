using System.Net.Http.Json;
using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Quality;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Web.Tests.Support;

public partial class StudioAppFactory
{
    /// <summary>Runs the quality checks on a dataset in the test's own flow (not as a background job) and returns the result.</summary>
    public Task<QualityResult> RunQualityChecksAsync(int datasetId) =>
        Services.GetRequiredService<QualityService>().RunAsync(datasetId, Actor.System, null, CancellationToken.None);

    /// <summary>Polls a quality run over the API until it is no longer running; returns its final JSON.</summary>
    public static async Task<JsonElement> WaitForQualityRunAsync(HttpClient client, int datasetId, int runId, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var run = await client.GetFromJsonAsync<JsonElement>($"api/datasets/{datasetId}/quality/runs/{runId}");
            if (run.GetProperty("status").GetString() != "Running" || DateTime.UtcNow > until)
            {
                return run;
            }

            await Task.Delay(100);
        }
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Tests.Support;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Web.Tests.Hosting;

/// <summary>Two app instances (two Kestrel hosts) on one PostgreSQL database, as behind a load balancer.</summary>
public sealed class SeveralInstancesTests
{
    [PostgresFact]
    public async Task SignInFormFromOneInstance_PostedToTheOther_CookieWorksOnBoth()
    {
        await using var instances = await Instances.StartAsync();
        var (first, second) = (instances.First, instances.Second);
        var cookies = new CookieContainer();
        using var onFirst = first.Client(cookies);
        using var onSecond = second.Client(cookies);

        // The form and its antiforgery cookie come from the first instance; the second validates them.
        var token = await StudioAppFactory.SignInFormTokenAsync(onFirst);
        var signIn = await onSecond.PostAsync("account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = StudioAppFactory.Demo(StudioRoles.MlLead),
            ["Input.Password"] = StudioAppFactory.DemoPassword,
        }));
        await signIn.ShouldHaveStatusAsync(HttpStatusCode.Redirect);

        // The sign-in cookie the second instance issued opens the first one too.
        await onFirst.GetAsync("api/projects").ShouldHaveStatusAsync(HttpStatusCode.OK);
        await onSecond.GetAsync("api/projects").ShouldHaveStatusAsync(HttpStatusCode.OK);
        using var stranger = first.Anonymous();
        await stranger.GetAsync("api/projects").ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
    }

    [PostgresFact]
    public async Task SameAnalysisStartedOnBothInstances_RunsOnce()
    {
        await using var instances = await Instances.StartAsync();
        var (first, second) = (instances.First, instances.Second);
        var datasetId = await first.DatasetIdAsync("Ticket urgency");
        var runsBefore = await first.QueryAsync(db => db.QualityRuns.CountAsync(r => r.DatasetId == datasetId));
        using var leadOnFirst = await first.SignInAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        using var leadOnSecond = await second.SignInAsync(StudioAppFactory.Demo(StudioRoles.MlLead));

        var responses = await Task.WhenAll(
            leadOnFirst.PostAsync($"api/datasets/{datasetId}/quality/runs", null),
            leadOnSecond.PostAsync($"api/datasets/{datasetId}/quality/runs", null));

        // Each instance either started the run or answered with the one already running (or, if the
        // other had only just claimed it, a conflict): never a second run.
        var runIds = new HashSet<int>();
        foreach (var response in responses)
        {
            response.StatusCode.ShouldBeOneOf(HttpStatusCode.Accepted, HttpStatusCode.Conflict);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                runIds.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetInt32());
            }
        }

        runIds.Count.ShouldBe(1);
        var runId = runIds.Single();
        var finished = await StudioAppFactory.WaitForQualityRunAsync(leadOnSecond, datasetId, runId);
        finished.GetProperty("status").GetString().ShouldBe("Completed");
        var runs = await first.QueryAsync(db => db.QualityRuns.Where(r => r.DatasetId == datasetId).Select(r => new { r.Id, r.Status }).ToListAsync());
        runs.Count.ShouldBe(runsBefore + 1);
        runs.ShouldContain(r => r.Id == runId && r.Status == QualityRunStatus.Completed);

        // The claim is given back when the run ends, so either instance can start the next one. The
        // release follows the status write by a moment (the runner's finally), so it is polled for.
        var until = DateTime.UtcNow.AddSeconds(10);
        var leases = await first.QueryAsync(db => db.JobLeases.CountAsync());
        while (leases > 0 && DateTime.UtcNow < until)
        {
            await Task.Delay(50);
            leases = await first.QueryAsync(db => db.JobLeases.CountAsync());
        }

        leases.ShouldBe(0);
    }

    /// <summary>Two instances on one throwaway database, started one after the other as a rolling start would.</summary>
    private sealed class Instances : IAsyncDisposable
    {
        private readonly string _connection;

        private Instances(string connection, InstanceFactory first, InstanceFactory second)
        {
            _connection = connection;
            First = first;
            Second = second;
        }

        public InstanceFactory First { get; }

        public InstanceFactory Second { get; }

        public static async Task<Instances> StartAsync()
        {
            var connection = TestPostgres.Create("fts_multi");
            // The first migrates and seeds; the second finds it done.
            var first = new InstanceFactory(connection);
            await first.InitializeAsync();
            var second = new InstanceFactory(connection);
            await second.InitializeAsync();
            return new Instances(connection, first, second);
        }

        public async ValueTask DisposeAsync()
        {
            await ((IAsyncLifetime)Second).DisposeAsync();
            await ((IAsyncLifetime)First).DisposeAsync();
            await TestPostgres.DropAsync(_connection);
        }
    }

    /// <summary>An instance over a database shared with others; <see cref="Instances"/> drops the database itself.</summary>
    private sealed class InstanceFactory : StudioAppFactory
    {
        public InstanceFactory(string connection)
            : base(connection)
        {
            OwnsPostgres = false;
        }
    }
}

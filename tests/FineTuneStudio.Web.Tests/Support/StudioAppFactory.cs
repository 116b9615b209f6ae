using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Demo;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Web.Tests.Support;

/// <summary>
/// The real web host on Kestrel at 127.0.0.1 (random port), over its own SQLite file with the demo
/// seeded, or over a throwaway PostgreSQL database with <c>FTS_TEST_PROVIDER=postgres</c>. One per
/// test collection; tests talk to it through intent helpers.
/// </summary>
public partial class StudioAppFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string DemoPassword = "demo-pass-2026";

    private readonly string _folder = Directory.CreateTempSubdirectory("fts-web-").FullName;
    private string? _postgres;

    public StudioAppFactory()
        : this(TestPostgres.Selected ? TestPostgres.Create("fts_web") : null)
    {
    }

    /// <summary>A host over the given PostgreSQL database (several hosts may share one), or its own SQLite file when null.</summary>
    protected StudioAppFactory(string? postgresConnection)
    {
        _postgres = postgresConnection;
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
    }

    /// <summary>The PostgreSQL database this factory made and drops on dispose, if any.</summary>
    protected bool OwnsPostgres { get; init; } = true;

    public DatabaseProvider Provider => _postgres is null ? DatabaseProvider.Sqlite : DatabaseProvider.Postgres;

    public Uri BaseAddress { get; private set; } = default!;

    public string DatabasePath => Path.Combine(_folder, "studio.db");

    /// <summary>Extra settings a derived factory can add (e.g. PostgreSQL).</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        [StudioDatabaseOptions.ProviderKey] = _postgres is null ? "Sqlite" : "Postgres",
        [StudioDatabaseOptions.ConnectionStringKey] = _postgres ?? StudioDatabaseSettings.SqliteConnectionFor(DatabasePath),
    };

    /// <summary>Tests sign in far more often than people do; a derived factory can restore the real limit.</summary>
    protected virtual int SignInPerMinute => 10_000;

    protected virtual int ApiPerMinute => 1_000_000;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Studio:RateLimits:SignInPerMinute", SignInPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Studio:RateLimits:ApiPerMinute", ApiPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseEnvironment("Development");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.UseSetting("Studio:Demo:Enabled", "true");
        // A disabled account must stop within a minute; tests watch it stop within seconds.
        builder.UseSetting("Studio:Accounts:SessionCheckSeconds", "1");
        builder.UseSetting("Studio:Demo:Password", DemoPassword);
        builder.UseSetting("Studio:Storage:Root", Path.Combine(_folder, "storage"));
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        builder.UseSetting("Serilog:WriteTo:1:Args:path", Path.Combine(_folder, "logs", "fts-.log"));
    }

    public virtual Task InitializeAsync()
    {
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return Task.CompletedTask;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_postgres is not null && OwnsPostgres)
        {
            await TestPostgres.DropAsync(_postgres);
            _postgres = null;
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A log file still open on a slow shutdown: the temp folder is cleaned by the OS.
        }
    }

    /// <summary>A client over the given cookie jar: two instances' clients sharing one jar act as one browser behind a load balancer.</summary>
    public HttpClient Client(CookieContainer cookies) => NewClient(cookies, allowRedirect: false);

    /// <summary>The sign-in page's antiforgery token (the matching cookie lands in the client's jar).</summary>
    public static async Task<string> SignInFormTokenAsync(HttpClient client) =>
        AntiforgeryField().Match(await client.GetStringAsync("account/login")).Groups["token"].Value;

    /// <summary>A client with no cookies and no token.</summary>
    public HttpClient Anonymous() => NewClient(new CookieContainer(), allowRedirect: false);

    /// <summary>
    /// Signs in through the real sign-in form and returns a client holding the cookie. Like a script on one of
    /// the app's pages, it sends the page's antiforgery token on API calls that change data.
    /// </summary>
    public async Task<HttpClient> SignInAsync(string email, string? password = null)
    {
        var antiforgery = new AntiforgeryHeaderHandler(CookieHandler(new CookieContainer(), allowRedirect: false));
        var client = new HttpClient(antiforgery) { BaseAddress = BaseAddress };
        await EnsureSignedInAsync(client, email, password);
        antiforgery.Token = await PageAntiforgeryTokenAsync(client);
        return client;
    }

    /// <summary>Signed in with the cookie alone and no antiforgery token: all that a request forged by another site carries.</summary>
    public async Task<HttpClient> SignInCookieOnlyAsync(string email, string? password = null)
    {
        var client = NewClient(new CookieContainer(), allowRedirect: false);
        await EnsureSignedInAsync(client, email, password);
        return client;
    }

    /// <summary>The antiforgery token every page carries for its scripts, issued for the caller's user.</summary>
    public static async Task<string> PageAntiforgeryTokenAsync(HttpClient client) =>
        AntiforgeryMeta().Match(await client.GetStringAsync("account/profile")).Groups["token"].Value is { Length: > 0 } token
            ? token
            : throw new InvalidOperationException("The profile page carried no antiforgery token.");

    /// <summary>Posts the sign-in form; the response tells whether it worked (302) or showed an error (200).</summary>
    public async Task<(HttpClient Client, HttpResponseMessage Response)> PostSignInAsync(string email, string password)
    {
        var client = NewClient(new CookieContainer(), allowRedirect: false);
        return (client, await PostSignInFormAsync(client, email, password));
    }

    private static async Task EnsureSignedInAsync(HttpClient client, string email, string? password)
    {
        var response = await PostSignInFormAsync(client, email, password ?? DemoPassword);
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Sign-in as {email} failed: {(int)response.StatusCode}");
        }
    }

    private static async Task<HttpResponseMessage> PostSignInFormAsync(HttpClient client, string email, string password)
    {
        var page = await client.GetStringAsync("account/login");
        var token = AntiforgeryField().Match(page).Groups["token"].Value;
        return await client.PostAsync("account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        }));
    }

    public static string Demo(string role) => DemoOptions.Users.First(u => u.Role == role).Email;

    /// <summary>Creates a personal API token for a demo user and returns a client that sends it.</summary>
    public async Task<(HttpClient Client, int TokenId, string Secret)> TokenClientAsync(string role)
    {
        using var cookieClient = await SignInAsync(Demo(role));
        var response = await cookieClient.PostAsJsonAsync("api/tokens", new { name = $"test {Guid.NewGuid():N}" });
        response.EnsureSuccessStatusCode();
        var created = (await response.Content.ReadFromJsonAsync<CreatedApiToken>())!;
        return (BearerClient(created.Secret), created.Token.Id, created.Secret);
    }

    public HttpClient BearerClient(string secret)
    {
        var client = NewClient(new CookieContainer(), allowRedirect: false);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    /// <summary>The id of a dataset by name, e.g. the demo's "Ticket urgency".</summary>
    public Task<int> DatasetIdAsync(string name) =>
        QueryAsync(db => db.Datasets.Where(d => d.Name == name).Select(d => d.Id).SingleAsync());

    /// <summary>
    /// Makes every demo user (admins aside) a member of the project with their demo role, as the demo
    /// team is in the demo projects: for tests that make a project of their own and work in it.
    /// </summary>
    public Task JoinDemoTeamAsync(int projectId) => QueryAsync(async db =>
    {
        var emails = DemoOptions.Users.Where(u => u.Role != StudioRoles.Admin).ToDictionary(u => u.Email.ToUpperInvariant(), u => u.Role);
        var users = await db.Users.Where(u => emails.Keys.Contains(u.NormalizedEmail!)).Select(u => new { u.Id, u.NormalizedEmail }).ToListAsync();
        var now = DateTime.UtcNow;
        db.ProjectMembers.AddRange(users.Select(u => new Core.Domain.ProjectMember { ProjectId = projectId, UserId = u.Id, Role = emails[u.NormalizedEmail!], AddedAt = now }));
        return await db.SaveChangesAsync();
    });

    public async Task<T> QueryAsync<T>(Func<StudioDbContext, Task<T>> query)
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync();
        return await query(db);
    }

    private HttpClient NewClient(CookieContainer cookies, bool allowRedirect) => new(CookieHandler(cookies, allowRedirect)) { BaseAddress = BaseAddress };

    private static HttpClientHandler CookieHandler(CookieContainer cookies, bool allowRedirect) =>
        new() { CookieContainer = cookies, UseCookies = true, AllowAutoRedirect = allowRedirect };

    /// <summary>Adds the antiforgery header to API calls that change data, as the app requires of cookie callers.</summary>
    private sealed class AntiforgeryHeaderHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public string? Token { get; set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Token is not null && request.Method != HttpMethod.Get && request.Method != HttpMethod.Head
                && request.RequestUri!.AbsolutePath.StartsWith("/api/", StringComparison.Ordinal))
            {
                request.Headers.Add("RequestVerificationToken", Token);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"(?<token>[^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("<meta name=\"antiforgery-token\" content=\"(?<token>[^\"]+)\"")]
    private static partial Regex AntiforgeryMeta();
}

[CollectionDefinition(Name)]
public sealed class StudioAppCollection : ICollectionFixture<StudioAppFactory>
{
    public const string Name = "Studio app";
}

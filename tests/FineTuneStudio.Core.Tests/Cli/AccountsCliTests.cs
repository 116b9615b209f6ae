using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using static FineTuneStudio.Core.Tests.Support.CliRun;

namespace FineTuneStudio.Core.Tests.Cli;

/// <summary><c>fts members</c>, <c>fts users disable|enable|reset-password</c> and <c>fts tokens</c> on a real database file.</summary>
public sealed class AccountsCliTests : IDisposable
{
    private const string Password = "long-enough-1";
    private readonly string _folder = Directory.CreateTempSubdirectory("fts-accounts-cli-").FullName;

    private string DbPath => Path.Combine(_folder, "studio.db");

    [Fact]
    public async Task Members_AddListChangeRemove_ByProjectNameAndEmail()
    {
        await PrepareAsync();

        var added = await RunAsync("members", "add", "--db", DbPath, "--project", "Client A", "--email", "kim@example.test");
        var promoted = await RunAsync("members", "add", "--db", DbPath, "--project", "Client A", "--email", "kim@example.test", "--role", "ml-lead");
        var listed = await RunAsync("members", "list", "--db", DbPath, "--project", "Client A", "--json");

        added.ExitCode.ShouldBe(0, added.Error);
        added.Output.ShouldContain("kim@example.test is a member of 'Client A' as Labeler");
        promoted.ExitCode.ShouldBe(0, promoted.Error);
        var members = JsonDocument.Parse(listed.Output).RootElement.EnumerateArray().ToList();
        members.Count.ShouldBe(1);
        members[0].GetProperty("role").GetString().ShouldBe("MlLead");

        var removed = await RunAsync("members", "remove", "--db", DbPath, "--project", "Client A", "--email", "kim@example.test");
        removed.ExitCode.ShouldBe(0, removed.Error);
        (await RunAsync("members", "list", "--db", DbPath, "--project", "Client A", "--json")).Output.Trim().ShouldBe("[]");
        (await CountAsync(db => db.AuditEvents.CountAsync(a => a.Action.StartsWith("member.")))).ShouldBe(3);
    }

    [Theory]
    [InlineData("--project", "Client Z", "--email", "kim@example.test", "--project")]
    [InlineData("--project", "Client A", "--email", "nobody@example.test", "nobody@example.test")]
    [InlineData("--project", "Client A", "--email", "kim@example.test", "--role", "Admin", "role")]
    public async Task MembersAdd_UnknownProjectUserOrRole_Exits1NamingIt_AndAddsNothing(params string[] argsThenNamed)
    {
        await PrepareAsync();
        var args = new[] { "members", "add", "--db", DbPath }.Concat(argsThenNamed[..^1]).ToArray();

        var result = await RunAsync(args);

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain(argsThenNamed[^1]);
        (await CountAsync(db => db.ProjectMembers.CountAsync())).ShouldBe(0);
    }

    [Fact]
    public async Task MembersAdd_WithoutEmail_IsAUsageError()
    {
        await PrepareAsync();

        (await RunAsync("members", "add", "--db", DbPath, "--project", "Client A")).ExitCode.ShouldBe(2);
    }

    [Fact]
    public async Task UsersDisable_RevokesTokensAndMarksTheUser_EnableLetsThemBack_TokensStayRevoked()
    {
        await PrepareAsync();
        var token = await RunAsync("tokens", "create", "--db", DbPath, "--email", "kim@example.test", "--name", "nightly export");
        var secret = token.Output.Trim();

        var disabled = await RunAsync("users", "disable", "--db", DbPath, "--email", "kim@example.test");

        disabled.ExitCode.ShouldBe(0, disabled.Error);
        disabled.Output.ShouldContain("disabled kim@example.test");
        (await RunAsync("users", "list", "--db", DbPath)).Output.ShouldContain("disabled");
        (await ValidateAsync(secret)).ShouldBeNull();
        (await RunAsync("tokens", "create", "--db", DbPath, "--email", "kim@example.test", "--name", "again")).ExitCode.ShouldBe(1, "a disabled account gets no new token");

        var enabled = await RunAsync("users", "enable", "--db", DbPath, "--email", "kim@example.test", "--json");
        enabled.ExitCode.ShouldBe(0, enabled.Error);
        JsonDocument.Parse(enabled.Output).RootElement.GetProperty("disabled").GetBoolean().ShouldBeFalse();
        (await ValidateAsync(secret)).ShouldBeNull("tokens revoked by disabling stay revoked");
    }

    [Fact]
    public async Task TokensCreate_PrintsTheSecretOnceOnStdout_WithItsExpiry_AndTheSecretWorks()
    {
        await PrepareAsync();

        var created = await RunAsync("tokens", "create", "--db", DbPath, "--email", "kim@example.test", "--name", "ci", "--expires-days", "30");
        var listed = await RunAsync("tokens", "list", "--db", DbPath, "--json");

        created.ExitCode.ShouldBe(0, created.Error);
        var secret = created.Output.Trim();
        secret.ShouldStartWith(ApiTokenService.SecretPrefix);
        created.Error.ShouldContain($"expires {DateTime.UtcNow.AddDays(30):yyyy-MM-dd}");
        (await ValidateAsync(secret)).ShouldNotBeNull();
        listed.Output.ShouldNotContain(secret);
        var row = JsonDocument.Parse(listed.Output).RootElement.EnumerateArray().Single();
        row.GetProperty("ownerEmail").GetString().ShouldBe("kim@example.test");

        var revoked = await RunAsync("tokens", "revoke", "--db", DbPath, "--id", row.GetProperty("id").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture));
        revoked.ExitCode.ShouldBe(0, revoked.Error);
        (await ValidateAsync(secret)).ShouldBeNull();
    }

    [Theory]
    [InlineData("0")]
    [InlineData("366")]
    public async Task TokensCreate_LifetimeOutOfRange_Exits1NamingTheField(string days)
    {
        await PrepareAsync();

        var result = await RunAsync("tokens", "create", "--db", DbPath, "--email", "kim@example.test", "--name", "ci", "--expires-days", days);

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("expiresInDays");
        (await CountAsync(db => db.ApiTokens.CountAsync())).ShouldBe(0);
    }

    [Fact]
    public async Task UsersResetPassword_PrintsANewPasswordThatChecksOut_AndTheOldOneNoLonger()
    {
        await PrepareAsync();

        var reset = await RunAsync("users", "reset-password", "--db", DbPath, "--email", "kim@example.test");

        reset.ExitCode.ShouldBe(0, reset.Error);
        var password = reset.Output.Trim();
        password.Length.ShouldBeGreaterThanOrEqualTo(16);
        await using var db = Open();
        var user = await db.Users.SingleAsync(u => u.Email == "kim@example.test");
        var hasher = new Microsoft.AspNetCore.Identity.PasswordHasher<StudioUser>();
        hasher.VerifyHashedPassword(user, user.PasswordHash!, password).ShouldNotBe(Microsoft.AspNetCore.Identity.PasswordVerificationResult.Failed);
        hasher.VerifyHashedPassword(user, user.PasswordHash!, Password).ShouldBe(Microsoft.AspNetCore.Identity.PasswordVerificationResult.Failed);
    }

    private async Task PrepareAsync()
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);
        (await RunAsync("users", "add", "--db", DbPath, "--email", "kim@example.test", "--role", "Labeler", "--password", Password)).ExitCode.ShouldBe(0);
        await using var db = Open();
        db.Projects.Add(new Project { Name = "Client A", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();
    }

    private async Task<string?> ValidateAsync(string secret)
    {
        var factory = new SettingsFactory(DbPath);
        return await new ApiTokenService(factory, TimeProvider.System).ValidateAsync(secret, default);
    }

    private async Task<T> CountAsync<T>(Func<StudioDbContext, Task<T>> query)
    {
        await using var db = Open();
        return await query(db);
    }

    private StudioDbContext Open() =>
        new SqliteStudioDbContext(new DbContextOptionsBuilder<SqliteStudioDbContext>().UseSqlite(StudioDatabaseSettings.SqliteConnectionFor(DbPath)).Options);

    private sealed class SettingsFactory(string path) : IDbContextFactory<StudioDbContext>
    {
        public StudioDbContext CreateDbContext() =>
            new SqliteStudioDbContext(new DbContextOptionsBuilder<SqliteStudioDbContext>().UseSqlite(StudioDatabaseSettings.SqliteConnectionFor(path)).Options);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}

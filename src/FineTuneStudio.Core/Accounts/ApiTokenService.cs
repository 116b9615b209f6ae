using System.Security.Cryptography;
using System.Text;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Accounts;

public sealed record ApiTokenSummary(int Id, string Name, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt, DateTime ExpiresAt, string? OwnerEmail = null);

/// <summary>The secret is shown once, at creation.</summary>
public sealed record CreatedApiToken(ApiTokenSummary Token, string Secret);

/// <summary>
/// Personal API tokens. Only a SHA-256 of the secret is stored: the secrets are 256 random bits,
/// so a fast hash is enough (no password stretching needed) and lookups stay indexable.
/// </summary>
public sealed class ApiTokenService(IDbContextFactory<StudioDbContext> factory, TimeProvider clock)
{
    public const string SecretPrefix = "fts_";
    public const int DefaultLifetimeDays = 90;
    public const int MaxLifetimeDays = 365;

    public async Task<CreatedApiToken> CreateAsync(string userId, string name, Actor actor, CancellationToken cancellationToken, int? expiresInDays = null)
    {
        name = name?.Trim() ?? "";
        var errors = new List<InputError>();
        if (name.Length is 0 or > 100)
        {
            errors.Add(new InputError("name", "give the token a name of 1 to 100 characters"));
        }

        var days = expiresInDays ?? DefaultLifetimeDays;
        if (days is < 1 or > MaxLifetimeDays)
        {
            errors.Add(new InputError("expiresInDays", $"a token lives 1 to {MaxLifetimeDays} days (default {DefaultLifetimeDays})"));
        }

        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors);
        }

        var secret = SecretPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = clock.GetUtcNow().UtcDateTime;
        var token = new ApiToken { UserId = userId, Name = name, Prefix = secret[..10], SecretHash = Hash(secret), CreatedAt = now, ExpiresAt = now.AddDays(days) };
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (await db.Users.Where(u => u.Id == userId).Select(u => new { u.DisabledAt }).SingleOrDefaultAsync(cancellationToken) is not { DisabledAt: null })
        {
            throw new StudioValidationException("user", "the account is disabled or does not exist; a token for it would not work");
        }

        db.ApiTokens.Add(token);
        await db.SaveChangesAsync(cancellationToken);
        AuditLog.Record(db, actor, now, "token.create", nameof(ApiToken), token.Id, name);
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedApiToken(ToSummary(token), secret);
    }

    public async Task<IReadOnlyList<ApiTokenSummary>> ListAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var tokens = await db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.Id).ToListAsync(cancellationToken);
        return tokens.Select(ToSummary).ToList();
    }

    /// <summary>Every user's tokens, newest first, with their owner: what an admin reviews.</summary>
    public async Task<IReadOnlyList<ApiTokenSummary>> ListAllAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ApiTokens.AsNoTracking().OrderByDescending(t => t.Id)
            .Select(t => new { Token = t, t.User!.Email }).ToListAsync(cancellationToken);
        return rows.Select(r => ToSummary(r.Token) with { OwnerEmail = r.Email }).ToList();
    }

    /// <summary>Revokes one of the user's own tokens, or any token when <paramref name="userId"/> is null (admins).</summary>
    public async Task RevokeAsync(string? userId, int tokenId, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == tokenId && (userId == null || t.UserId == userId), cancellationToken)
            ?? throw new NotFoundException("API token", tokenId);
        if (token.RevokedAt is null)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            token.RevokedAt = now;
            AuditLog.Record(db, actor, now, "token.revoke", nameof(ApiToken), token.Id, token.Name);
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    /// <summary>The user id a live token belongs to, or null for an unknown, revoked or expired token, or one of a disabled user.</summary>
    public async Task<string?> ValidateAsync(string secret, CancellationToken cancellationToken)
    {
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal) || secret.Length > 200)
        {
            return null;
        }

        var hash = Hash(secret);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.SecretHash == hash && t.User!.DisabledAt == null, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        if (token is null || token.RevokedAt is not null || token.ExpiresAt <= now)
        {
            return null;
        }

        // Recording every use would turn each API read into a write; once a minute is enough to show activity.
        if (token.LastUsedAt is null || now - token.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            token.LastUsedAt = now;
            await db.SaveChangesAsync(cancellationToken);
        }

        return token.UserId;
    }

    /// <summary>"active", "revoked" or "expired", as pages and the CLI show it.</summary>
    public static string StatusOf(ApiTokenSummary token, DateTime now) =>
        token.RevokedAt is not null ? "revoked" : token.ExpiresAt <= now ? "expired" : "active";

    internal static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static ApiTokenSummary ToSummary(ApiToken t) => new(t.Id, t.Name, t.Prefix, t.CreatedAt, t.LastUsedAt, t.RevokedAt, t.ExpiresAt);
}

using Microsoft.AspNetCore.Identity;

namespace FineTuneStudio.Core.Domain;

/// <summary>A person using the studio; labelers are users with the Labeler role.</summary>
public class StudioUser : IdentityUser
{
    public string DisplayName { get; set; } = "";
    public string Expertise { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    /// <summary>Set by an admin to cut the account off: no sign-in, no token, open tabs signed out.</summary>
    public DateTime? DisabledAt { get; set; }
}

/// <summary>A personal API token. Only the SHA-256 of the secret is stored.</summary>
public class ApiToken
{
    public int Id { get; set; }
    public required string UserId { get; set; }
    public StudioUser? User { get; set; }
    public required string Name { get; set; }
    /// <summary>First characters of the token, shown so a user can tell tokens apart.</summary>
    public required string Prefix { get; set; }
    public required string SecretHash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
    /// <summary>After this moment the token is refused.</summary>
    public DateTime ExpiresAt { get; set; }
}

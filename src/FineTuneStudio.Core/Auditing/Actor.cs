namespace FineTuneStudio.Core.Auditing;

/// <summary>Who is acting: a signed-in user, an API token's owner, the CLI or the system.</summary>
public sealed record Actor(string? UserId, string Name)
{
    public static Actor System { get; } = new(null, "system");

    public static Actor Cli { get; } = new(null, $"cli:{Environment.UserName}");
}

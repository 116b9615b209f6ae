using System.ComponentModel.DataAnnotations;
using FineTuneStudio.Core.Accounts;

namespace FineTuneStudio.Core.Demo;

/// <summary><c>Studio:Demo</c> turns on the demo seed; the demo users share one password.</summary>
public sealed class DemoOptions
{
    public const string Section = "Studio:Demo";

    public bool Enabled { get; set; }

    /// <summary>At least 8 characters, as every password (see <see cref="StudioIdentity.Configure"/>).</summary>
    [Required(ErrorMessage = Section + ":Password is required."), MinLength(8, ErrorMessage = Section + ":Password must be at least 8 characters.")]
    public string Password { get; set; } = "demo-pass-2026";

    public static IReadOnlyList<DemoUser> Users { get; } =
    [
        new("admin@demo.local", "Avery Admin", StudioRoles.Admin, "Runs the studio"),
        new("owner@demo.local", "Priya Product", StudioRoles.ProductOwner, "Owns the support-desk roadmap"),
        new("lead@demo.local", "Malik Lead", StudioRoles.MlLead, "Machine-learning lead"),
        new("labeler1@demo.local", "Lena Label", StudioRoles.Labeler, "Senior support agent"),
        new("labeler2@demo.local", "Omar Ortiz", StudioRoles.Labeler, "Support team lead"),
        new("labeler3@demo.local", "Kim Nguyen", StudioRoles.Labeler, "Brand copywriter"),
        // Works for one client only: shows that a member of one project sees nothing of the other.
        new("contractor@demo.local", "Noor Haddad", StudioRoles.Labeler, "Freelance copywriter", [DemoSeeder.BrandProjectName]),
    ];
}

/// <summary>A demo account; <paramref name="Projects"/> names the demo projects it is a member of (null: all of them; admins need none).</summary>
public sealed record DemoUser(string Email, string DisplayName, string Role, string Expertise, IReadOnlyList<string>? Projects = null);

namespace FineTuneStudio.Core.Accounts;

public static class StudioRoles
{
    public const string Admin = "Admin";
    public const string ProductOwner = "ProductOwner";
    public const string Labeler = "Labeler";
    public const string MlLead = "MlLead";

    public static IReadOnlyList<string> All { get; } = [Admin, ProductOwner, Labeler, MlLead];

    public static string? Normalize(string role) =>
        All.FirstOrDefault(r => string.Equals(r, role.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// Who may do what: the single table that pages, endpoints and tests read. Least privilege where
/// the product description is silent.
/// </summary>
public static class StudioPolicies
{
    /// <summary>See projects and their overview: every signed-in role.</summary>
    public const string ViewProjects = "ViewProjects";
    /// <summary>Read readiness verdicts and history.</summary>
    public const string ViewReadiness = "ViewReadiness";
    /// <summary>Answer and submit readiness assessments.</summary>
    public const string AssessReadiness = "AssessReadiness";
    /// <summary>Write examples and annotations.</summary>
    public const string Label = "Label";
    /// <summary>Approve, reject, adjudicate, bulk-edit examples; import data.</summary>
    public const string Review = "Review";
    /// <summary>Quality checks, dataset versions and exports.</summary>
    public const string Curate = "Curate";
    /// <summary>Read the evaluation dashboard.</summary>
    public const string ViewEvaluation = "ViewEvaluation";
    /// <summary>Create eval sets and runs, judge comparisons.</summary>
    public const string Evaluate = "Evaluate";
    /// <summary>
    /// Judge the pairs of a blind A/B review: the domain experts (labelers) too. A labeler sees no run, model,
    /// tally or result of a review until it closes.
    /// </summary>
    public const string JudgeBlindPairs = "JudgeBlindPairs";
    /// <summary>Create projects and datasets.</summary>
    public const string ManageProjects = "ManageProjects";
    /// <summary>Users, roles, training targets, audit log.</summary>
    public const string Administer = "Administer";

    public static IReadOnlyDictionary<string, IReadOnlyList<string>> RolesByPolicy { get; } = new Dictionary<string, IReadOnlyList<string>>
    {
        [ViewProjects] = [StudioRoles.Admin, StudioRoles.ProductOwner, StudioRoles.Labeler, StudioRoles.MlLead],
        [ViewReadiness] = [StudioRoles.Admin, StudioRoles.ProductOwner, StudioRoles.MlLead],
        [AssessReadiness] = [StudioRoles.Admin, StudioRoles.ProductOwner],
        [Label] = [StudioRoles.Admin, StudioRoles.Labeler, StudioRoles.MlLead],
        [Review] = [StudioRoles.Admin, StudioRoles.MlLead],
        [Curate] = [StudioRoles.Admin, StudioRoles.MlLead],
        [ViewEvaluation] = [StudioRoles.Admin, StudioRoles.ProductOwner, StudioRoles.MlLead],
        [Evaluate] = [StudioRoles.Admin, StudioRoles.MlLead],
        [JudgeBlindPairs] = [StudioRoles.Admin, StudioRoles.MlLead, StudioRoles.Labeler],
        [ManageProjects] = [StudioRoles.Admin, StudioRoles.MlLead],
        [Administer] = [StudioRoles.Admin],
    };

    public static bool Allows(string policy, IEnumerable<string> roles) =>
        RolesByPolicy.TryGetValue(policy, out var allowed) && roles.Any(allowed.Contains);
}

namespace FineTuneStudio.Core.Domain;

/// <summary>
/// A person working in a project, with their role there (Labeler, MlLead or ProductOwner). Admins
/// see every project without being members; everyone else sees only the projects they belong to.
/// </summary>
public class ProjectMember
{
    public int ProjectId { get; set; }
    public Project? Project { get; set; }
    public required string UserId { get; set; }
    public StudioUser? User { get; set; }
    public required string Role { get; set; }
    public DateTime AddedAt { get; set; }
}

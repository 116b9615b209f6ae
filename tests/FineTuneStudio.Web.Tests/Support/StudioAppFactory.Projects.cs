using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Projects;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Web.Tests.Support;

/// <summary>Intent helpers for tests that need a project or dataset of their exact making (names, labels, guidelines).</summary>
public partial class StudioAppFactory
{
    /// <summary>Creates a project with no members and returns its id.</summary>
    public async Task<int> CreateProjectAsync(string name, string? description = null) =>
        (await Services.GetRequiredService<ProjectService>().CreateAsync(new ProjectInput(name, description), Actor.System, default)).Id;

    public Task<DatasetSummary> CreateDatasetAsync(int projectId, DatasetInput input) =>
        Services.GetRequiredService<DatasetService>().CreateAsync(projectId, input, Actor.System, default);
}

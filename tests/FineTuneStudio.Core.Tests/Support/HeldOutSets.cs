using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Projects;

namespace FineTuneStudio.Core.Tests.Support;

/// <summary>A new database with one project and its eval set "Held-out" (exact and accuracy), holding the items given as JSONL.</summary>
internal static class HeldOutSets
{
    public static readonly Actor Lead = new("lead-1", "Lead");

    public static async Task<(TestDatabase Database, int SetId)> CreateAsync(TimeProvider clock, string items)
    {
        var database = await TestDatabase.CreateAsync();
        var project = await new ProjectService(database, clock).CreateAsync(new ProjectInput("Triage", null), Lead, default);
        var sets = new EvalSets(database, clock);
        var set = await sets.CreateSetAsync(project.Id, new EvalSetInput("Held-out", "", ["exact", "accuracy"]), Lead, default);
        await sets.ImportItemsAsync(set.Id, items, "items.jsonl", Lead, default);
        return (database, set.Id);
    }
}

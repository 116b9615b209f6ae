using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Demo;

/// <summary>The demo's projects, datasets, examples, annotations and eval set, built in memory.</summary>
internal sealed class DemoData
{
    private readonly List<Func<IEnumerable<Annotation>>> _annotationBuilders = [];

    public List<Project> Projects { get; } = [];

    /// <summary>Annotations need example ids, so they are built after the examples are saved.</summary>
    public IEnumerable<Annotation> Annotations() => _annotationBuilders.SelectMany(b => b());

    public static DemoData Build(DateTime now, IReadOnlyDictionary<string, string> userIds)
    {
        var data = new DemoData();
        var support = new Project { Name = DemoSeeder.SupportProjectName, Description = "Route incoming support tickets by urgency so the on-call desk sees outages first.", CreatedAt = now, UpdatedAt = now };
        var brand = new Project { Name = DemoSeeder.BrandProjectName, Description = "Answer customers in the company's own voice: warm, brief, never salesy.", CreatedAt = now, UpdatedAt = now };
        support.Datasets.Add(new Dataset
        {
            Name = "Ticket urgency",
            TaskKind = TaskKind.Classification,
            CanonicalSystemPrompt = "Classify the support ticket by urgency. Answer with one word: critical, high, normal or low.",
            Labels = ["critical", "high", "normal", "low"],
            RequiredAnnotations = 2,
            CreatedAt = now,
            UpdatedAt = now,
        });
        brand.Datasets.Add(new Dataset { Name = "Brand replies", TaskKind = TaskKind.Chat, CreatedAt = now, UpdatedAt = now });
        data.Projects.Add(support);
        data.Projects.Add(brand);
        return data;
    }
}

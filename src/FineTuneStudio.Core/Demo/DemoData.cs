using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Demo;

/// <summary>
/// The demo's projects, datasets, examples, annotations, eval sets, blind review and judge, built in memory from a
/// fixed seed: two builds with the same clock produce the same content.
/// </summary>
internal sealed class DemoData
{
    /// <summary>Fixed so every fresh install shows the same demo.</summary>
    public const int Seed = 20261123;

    private readonly List<Func<IEnumerable<Annotation>>> _annotationBuilders = [];
    private readonly List<Func<IEnumerable<EvalResult>>> _evalResultBuilders = [];
    private BrandReviewDemo _brandReview = null!;
    private Project _brand = null!;

    public List<Project> Projects { get; } = [];

    /// <summary>Annotations need example ids, so they are built after the examples are saved.</summary>
    public IEnumerable<Annotation> Annotations() => _annotationBuilders.SelectMany(b => b());

    /// <summary>Eval results need eval item ids, so they are built after the items are saved.</summary>
    public IEnumerable<EvalResult> EvalResults() => _evalResultBuilders.SelectMany(b => b());

    /// <summary>Blind reviews need run and item ids: built after the results are saved.</summary>
    public IEnumerable<Comparison> Comparisons() => [_brandReview.BuildComparison()];

    /// <summary>Judges need their project's id: built after the projects are saved.</summary>
    public IEnumerable<Judge> Judges() => [_brandReview.BuildJudge(_brand)];

    /// <summary>Judge runs need the review's and the judge version's ids: built last.</summary>
    public IEnumerable<JudgeRun> JudgeRuns() => [_brandReview.BuildJudgeRun()];

    public static DemoData Build(DateTime now, IReadOnlyDictionary<string, string> userIds)
    {
        var data = new DemoData();
        var random = new Random(Seed);

        var support = new Project
        {
            Name = DemoSeeder.SupportProjectName,
            Description = "Route incoming support tickets by urgency so the on-call desk sees outages first.",
            CreatedAt = now.AddDays(-75),
            UpdatedAt = now,
        };
        var tickets = new SupportTicketDemo(random, now, userIds);
        var ticketDataset = tickets.BuildDataset();
        support.Datasets.Add(ticketDataset);
        data._annotationBuilders.Add(() => tickets.BuildAnnotations());
        var evalSet = tickets.BuildEvalSet();
        support.EvalSets.Add(evalSet);
        data._evalResultBuilders.Add(() => tickets.BuildBaselineResults(evalSet));

        var brand = new Project
        {
            Name = DemoSeeder.BrandProjectName,
            Description = "Answer customers in the company's own voice: warm, brief, never salesy.",
            CreatedAt = now.AddDays(-40),
            UpdatedAt = now,
        };
        brand.Datasets.Add(new BrandReplyDemo(random, now, userIds).BuildDataset());
        var review = new BrandReviewDemo(random, now, userIds);
        brand.EvalSets.Add(review.BuildEvalSet());
        data._evalResultBuilders.Add(review.BuildResults);
        data._brandReview = review;
        data._brand = brand;

        data.Projects.Add(support);
        data.Projects.Add(brand);
        return data;
    }
}

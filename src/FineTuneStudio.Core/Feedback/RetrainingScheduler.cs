using System.Globalization;
using System.Text.Json.Serialization;

namespace FineTuneStudio.Core.Feedback;

/// <summary>What the retraining decision is made from; gathered by <see cref="RetrainingSchedule"/>.</summary>
public sealed record RetrainingInputs(
    DateTime Now,
    int? CadenceDays,
    string? CadenceSource,
    int? LastVersionNumber,
    DateTime? LastVersionAt,
    bool DriftAlert,
    string? DriftReason,
    int ApprovedSinceVersion,
    DateTime? LastEvalAt,
    int LogsSinceVersion);

/// <summary>What a checklist item asks for, so pages can link it to the place where it is done.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RetrainingStep>))]
public enum RetrainingStep
{
    NewExamples,
    Evaluation,
    NewVersion,
}

public sealed record ChecklistItem(string Text, bool Done)
{
    public RetrainingStep Step { get; init; }
}

/// <summary>When the next retraining is due and why; <see cref="DueDate"/> is a UTC date at midnight.</summary>
public sealed record RetrainingDue(DateTime? DueDate, bool IsDue, string Reason, IReadOnlyList<ChecklistItem> Checklist)
{
    public int? DaysLeft(DateTime now) => DueDate is { } due ? (int)(due - now.Date).TotalDays : null;

    /// <summary>The reason in a few words, for a card; <see cref="Reason"/> has the whole of it.</summary>
    public string Summary { get; init; } = "";

    /// <summary>The part of <see cref="Reason"/> about the cadence, for pages that show the drift alert on its own.</summary>
    public string CadenceReason { get; init; } = "";
}

/// <summary>
/// Turns a cadence (days between retrainings, counted from the last dataset version) and the drift
/// alert into a due date and a reason. Drift brings the date forward to today; it never pushes it back.
/// </summary>
public static class RetrainingScheduler
{
    public static RetrainingDue Schedule(RetrainingInputs inputs)
    {
        var today = DateTime.SpecifyKind(inputs.Now.Date, DateTimeKind.Utc);
        DateTime? due = null;
        var reasons = new List<string>();
        string summary;

        if (inputs.LastVersionAt is { } last && inputs.CadenceDays is { } days)
        {
            due = DateTime.SpecifyKind(last.Date, DateTimeKind.Utc).AddDays(days);
            reasons.Add($"Version {inputs.LastVersionNumber} was cut on {Day(last)}; a retraining every {days} days ({inputs.CadenceSource}) makes the next one due on {Day(due.Value)}.");
            summary = $"every {days} days ({inputs.CadenceSource}) since version {inputs.LastVersionNumber}, cut {Day(last)}";
        }
        else if (inputs.LastVersionAt is null)
        {
            reasons.Add("No dataset version has been cut yet, so there is no trained snapshot to refresh; the cadence starts with the first version.");
            summary = "no dataset version cut yet; the cadence starts with the first";
        }
        else
        {
            reasons.Add("No retraining cadence is set: answer the cadence question in the readiness assessment or set one here.");
            summary = "no retraining cadence set";
        }

        var cadenceReason = reasons[0];
        if (inputs.DriftAlert)
        {
            summary = due is { } cadenceDue && cadenceDue > today
                ? $"logged traffic has drifted from the training data; by the cadence alone it would be {Day(cadenceDue)}"
                : "logged traffic has drifted from the training data";
            due = due is { } d && d < today ? d : today;
            reasons.Insert(0, $"Logged traffic has drifted from the training data ({inputs.DriftReason}).");
        }

        var isDue = due is { } date && date <= today;
        var version = inputs.LastVersionNumber is { } n ? $"version {n}" : "the first version";
        var checklist = new List<ChecklistItem>
        {
            new(inputs.LastVersionNumber is null
                    ? $"{inputs.ApprovedSinceVersion} approved examples ready for {version}"
                    : $"{inputs.ApprovedSinceVersion} new examples approved since {version}",
                inputs.ApprovedSinceVersion > 0) { Step = RetrainingStep.NewExamples },
            new(inputs.LastEvalAt is { } eval
                    ? $"Current model last evaluated on {Day(eval)}; {inputs.LogsSinceVersion} requests logged since {version}"
                    : $"Evaluate the current model on recent traffic ({inputs.LogsSinceVersion} requests logged since {version})",
                inputs.LastEvalAt is { } at && (inputs.LastVersionAt is null || at >= inputs.LastVersionAt)) { Step = RetrainingStep.Evaluation },
            new(inputs.LastVersionNumber is { } number ? $"Cut version {number + 1} and export it" : "Cut the first dataset version", !isDue && inputs.LastVersionAt is not null)
                { Step = RetrainingStep.NewVersion },
        };

        return new RetrainingDue(due, isDue, string.Join(" ", reasons), checklist) { Summary = summary, CadenceReason = cadenceReason };
    }

    /// <summary>Days for the readiness questionnaire's cadence answers; null for "none" or an unknown answer.</summary>
    public static int? CadenceDays(string? answer) => answer switch
    {
        "monthly" => 30,
        "quarterly" => 90,
        "half_yearly" => 180,
        "yearly" => 365,
        _ => null,
    };

    private static string Day(DateTime at) => at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

using System.Globalization;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Training;

/// <summary>
/// The one table of training targets every feature reads (cut, export, validation, card, diff, estimates): each row's
/// limits, price and status laid over the rules of the built-in format it names. A built-in target without a row yet
/// (a database nobody has listed targets on) reads as the catalog has it.
/// </summary>
public static class TrainingTargetTable
{
    public static async Task<IReadOnlyList<TrainingTargetProfile>> ProfilesAsync(StudioDbContext db, CancellationToken cancellationToken)
    {
        var rows = await db.TrainingTargets.AsNoTracking().OrderBy(t => t.Id).ToListAsync(cancellationToken);
        var byKey = rows.ToDictionary(r => r.Key, StringComparer.OrdinalIgnoreCase);
        var profiles = TrainingTargets.All.Select(p => byKey.TryGetValue(p.Key, out var row) ? ToProfile(row) : p).ToList();
        profiles.AddRange(rows.Where(r => !TrainingTargets.TryGet(r.Key, out _)).Select(ToProfile));
        return profiles;
    }

    /// <summary>The target of a key; a validation error naming every key in the table otherwise.</summary>
    public static async Task<TrainingTargetProfile> GetAsync(StudioDbContext db, string? key, CancellationToken cancellationToken)
    {
        var profiles = await ProfilesAsync(db, cancellationToken);
        return Find(profiles, key)
            ?? throw new StudioValidationException("target", $"Unknown target '{key}'. Choose one of: {string.Join(", ", profiles.Select(t => t.Key))}.");
    }

    public static TrainingTargetProfile? Find(IEnumerable<TrainingTargetProfile> profiles, string? key) =>
        profiles.FirstOrDefault(p => string.Equals(p.Key, key?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>A row as the features use it. Wording the seed wrote and nobody edited stays the catalog's.</summary>
    public static TrainingTargetProfile ToProfile(TrainingTarget row)
    {
        var format = TrainingTargets.Get(row.Format.Length == 0 ? row.Key : row.Format);
        var builtIn = string.Equals(format.Key, row.Key, StringComparison.OrdinalIgnoreCase);
        var price = row.PricePerMillionTokens > 0 ? (decimal?)Math.Round((decimal)row.PricePerMillionTokens, 6) : null;
        var priceNote = builtIn && price == format.PricePerMillionTrainingTokens
            ? format.PriceNote
            : price is null
                ? "No price per training token is set for this target: the estimate counts tokens only."
                : string.Create(CultureInfo.InvariantCulture, $"Price from the targets table, set on {row.UpdatedAt:yyyy-MM-dd}.");
        var status = row.Status switch
        {
            TrainingTargetService.Closing => TargetStatus.WindingDown,
            TrainingTargetService.Closed => TargetStatus.Closed,
            _ => TargetStatus.Available,
        };
        string? notice = builtIn && row.Notice == TrainingTargetService.SeededNotice(format)
            ? format.Notice
            : string.Join(" ", new[] { row.Notice, status == TargetStatus.Available ? "" : row.Alternatives }.Where(t => !string.IsNullOrWhiteSpace(t)));
        return format with
        {
            Key = row.Key,
            DisplayName = row.Name,
            MinimumExamples = row.MinExamples,
            TokenLimitPerExample = row.TokenLimitPerExample,
            PricePerMillionTrainingTokens = price,
            PriceNote = priceNote,
            Status = status,
            Notice = string.IsNullOrEmpty(notice) ? null : notice,
            NewJobsEndOn = status == TargetStatus.Available || row.ClosesOn is null ? null : DateOnly.FromDateTime(row.ClosesOn.Value),
            FormatKey = format.Key,
        };
    }
}

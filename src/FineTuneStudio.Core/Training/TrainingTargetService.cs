using System.Globalization;
using System.Text.RegularExpressions;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Training;

/// <summary>One row of the training-target table as pages, the API and estimates see it.</summary>
public sealed record TrainingTargetView(
    string Key,
    string Name,
    string Kind,
    int MinExamples,
    int TokenLimitPerExample,
    double PricePerMillionTokens,
    string Status,
    DateOnly? ClosesOn,
    string Notice,
    string Alternatives,
    DateTime UpdatedAt,
    string Format = "")
{
    public bool IsClosingOrClosed => Status is TrainingTargetService.Closing or TrainingTargetService.Closed;
}

/// <summary>What an admin may change on a training target; the key stays.</summary>
public sealed record TrainingTargetInput(
    string? Name,
    int MinExamples,
    int TokenLimitPerExample,
    double PricePerMillionTokens,
    string? Status,
    DateOnly? ClosesOn,
    string? Notice,
    string? Alternatives);

/// <summary>A target an admin adds: its key, the built-in format its files follow, and the figures of <see cref="TrainingTargetInput"/>.</summary>
public sealed record TrainingTargetNew(
    string Key,
    string Format,
    string? Name,
    int MinExamples,
    int TokenLimitPerExample,
    double PricePerMillionTokens,
    string? Status,
    DateOnly? ClosesOn = null,
    string? Notice = null,
    string? Alternatives = null,
    string? Kind = null)
{
    public TrainingTargetInput Settings => new(Name, MinExamples, TokenLimitPerExample, PricePerMillionTokens, Status, ClosesOn, Notice, Alternatives);
}

/// <summary>
/// The editable table of training targets. Seeded once from the export profiles with example
/// prices; admins change prices, limits and status to match their contract.
/// </summary>
public sealed partial class TrainingTargetService(IDbContextFactory<StudioDbContext> factory, TimeProvider clock)
{
    public const string Available = "available";
    public const string Closing = "closing";
    public const string Closed = "closed";
    public static readonly IReadOnlyList<string> Statuses = [Available, Closing, Closed];

    /// <summary>Used when an assessment names no target: a self-hosted trainer, always open.</summary>
    public const string DefaultTargetKey = TrainingTargets.HfMessages;

    public const string OpenAiAlternatives =
        "Alternatives: train an open-weight model yourself from the same chat file (targets hf-messages or axolotl-chat), " +
        "or cut the same examples for Gemini on Vertex AI (target vertex-gemini) or for Claude 3 Haiku or Nova on Amazon Bedrock " +
        "(targets bedrock-claude or bedrock-nova, text conversations only); budget time to re-run the evaluation there.";

    private const string SelfHostedPriceNotice =
        "Self-hosted: no per-token price. Enter your own compute cost per million tokens to get a training estimate.";

    /// <summary>Adds the targets of the export catalog that the table lacks; existing rows are left as edited.</summary>
    public async Task<int> SeedAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var existing = await db.TrainingTargets.Select(t => t.Key).ToListAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var added = 0;
        foreach (var profile in TrainingTargets.All.Where(p => !existing.Contains(p.Key)))
        {
            db.TrainingTargets.Add(FromProfile(profile, now));
            added++;
        }

        if (added == 0)
        {
            return 0;
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another request seeded at the same moment; the unique key keeps one copy of each.
            return 0;
        }

        return added;
    }

    public async Task<IReadOnlyList<TrainingTargetView>> ListAsync(CancellationToken cancellationToken)
    {
        await SeedAsync(cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var rows = await db.TrainingTargets.AsNoTracking().OrderBy(t => t.Id).ToListAsync(cancellationToken);
        return rows.Select(ToView).ToList();
    }

    /// <summary>Every target with the rules of its format, as cut, export, validation and estimates read them.</summary>
    public async Task<IReadOnlyList<TrainingTargetProfile>> ProfilesAsync(CancellationToken cancellationToken)
    {
        await SeedAsync(cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await TrainingTargetTable.ProfilesAsync(db, cancellationToken);
    }

    public async Task<TrainingTargetProfile> ProfileAsync(string? key, CancellationToken cancellationToken)
    {
        await SeedAsync(cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await TrainingTargetTable.GetAsync(db, key, cancellationToken);
    }

    public async Task<TrainingTargetView?> FindAsync(string? key, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return null;
        }

        var all = await ListAsync(cancellationToken);
        return all.FirstOrDefault(t => string.Equals(t.Key, key.Trim(), StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Adds a target (another host, a contract price, a trainer of the team's own) whose files follow a built-in format.</summary>
    public async Task<TrainingTargetView> AddAsync(TrainingTargetNew input, Actor actor, CancellationToken cancellationToken)
    {
        var errors = Validate(input.Settings).ToList();
        var key = input.Key?.Trim().ToLowerInvariant() ?? "";
        if (!KeyPattern().IsMatch(key))
        {
            errors.Add(new InputError("key", "Expected 2 to 64 lower-case letters, digits or dashes, starting with a letter (e.g. together-chat)."));
        }

        if (!TrainingTargets.TryGet(input.Format ?? "", out var format))
        {
            errors.Add(new InputError("format", $"Expected one of the built-in formats: {string.Join(", ", TrainingTargets.All.Select(t => t.Key))}."));
        }

        if (string.IsNullOrWhiteSpace(input.Name))
        {
            errors.Add(new InputError("name", "Give the target a name people will recognise."));
        }

        var kind = input.Kind?.Trim().ToLowerInvariant() ?? (format?.Hosted == true ? "hosted" : "open");
        if (kind is not ("hosted" or "open"))
        {
            errors.Add(new InputError("kind", "Expected hosted or open."));
        }

        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors);
        }

        await SeedAsync(cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (await db.TrainingTargets.AnyAsync(t => t.Key == key, cancellationToken))
        {
            throw new StudioValidationException("key", $"There is already a target '{key}'; edit it instead.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var target = new TrainingTarget { Key = key, Name = "", Format = format!.Key, Kind = kind };
        Apply(target, input.Settings, now);
        db.TrainingTargets.Add(target);
        AuditLog.Record(db, actor, now, "training-target.add", nameof(TrainingTarget), key, Summary(target));
        await db.SaveChangesAsync(cancellationToken);
        return ToView(target);
    }

    public async Task<TrainingTargetView> UpdateAsync(string key, TrainingTargetInput input, Actor actor, CancellationToken cancellationToken)
    {
        var errors = Validate(input);
        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors);
        }

        await SeedAsync(cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var target = await db.TrainingTargets.SingleOrDefaultAsync(t => t.Key == key, cancellationToken)
            ?? throw new NotFoundException("Training target", key);
        var now = clock.GetUtcNow().UtcDateTime;
        Apply(target, input, now);
        AuditLog.Record(db, actor, now, "training-target.update", nameof(TrainingTarget), target.Key, Summary(target));
        await db.SaveChangesAsync(cancellationToken);
        return ToView(target);
    }

    private static void Apply(TrainingTarget target, TrainingTargetInput input, DateTime now)
    {
        if (!string.IsNullOrWhiteSpace(input.Name))
        {
            target.Name = input.Name.Trim();
        }

        target.MinExamples = input.MinExamples;
        target.TokenLimitPerExample = input.TokenLimitPerExample;
        target.PricePerMillionTokens = input.PricePerMillionTokens;
        target.Status = input.Status!.Trim().ToLowerInvariant();
        target.ClosesOn = target.Status == Available ? null : input.ClosesOn?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        target.Notice = input.Notice?.Trim() ?? "";
        target.Alternatives = input.Alternatives?.Trim() ?? "";
        target.UpdatedAt = now;
    }

    private static string Summary(TrainingTarget t) => string.Create(CultureInfo.InvariantCulture,
        $"{t.Key} ({t.Format}): {t.Status}, ${t.PricePerMillionTokens}/M tokens, min {t.MinExamples}, limit {t.TokenLimitPerExample}");

    [GeneratedRegex("^[a-z][a-z0-9-]{1,63}$")]
    private static partial Regex KeyPattern();

    public static IReadOnlyList<InputError> Validate(TrainingTargetInput input)
    {
        var errors = new List<InputError>();
        if (input.MinExamples < 1 || input.MinExamples > 1_000_000)
        {
            errors.Add(new InputError("minExamples", "Expected a whole number from 1 to 1,000,000."));
        }

        if (input.TokenLimitPerExample < 1 || input.TokenLimitPerExample > 10_000_000)
        {
            errors.Add(new InputError("tokenLimitPerExample", "Expected a whole number from 1 to 10,000,000."));
        }

        if (!double.IsFinite(input.PricePerMillionTokens) || input.PricePerMillionTokens < 0 || input.PricePerMillionTokens > 100_000)
        {
            errors.Add(new InputError("pricePerMillionTokens", "Expected a price from 0 to 100,000 USD per million tokens."));
        }

        var status = input.Status?.Trim().ToLowerInvariant();
        if (status is null || !Statuses.Contains(status))
        {
            errors.Add(new InputError("status", $"Expected one of: {string.Join(", ", Statuses)}."));
        }
        else if (status != Available && input.ClosesOn is null)
        {
            errors.Add(new InputError("closesOn", "A closing or closed target needs the date new jobs stop."));
        }

        if (input.Name is { Length: > 200 })
        {
            errors.Add(new InputError("name", "Expected at most 200 characters."));
        }

        if (input.Notice is { Length: > 2000 } || input.Alternatives is { Length: > 2000 })
        {
            errors.Add(new InputError(input.Notice is { Length: > 2000 } ? "notice" : "alternatives", "Expected at most 2,000 characters."));
        }

        return errors;
    }

    /// <summary>The seed table as views, for evaluations that run without a database (CLI without --project).</summary>
    public static IReadOnlyList<TrainingTargetView> CatalogDefaults(DateTime now) =>
        TrainingTargets.All.Select(p => ToView(FromProfile(p, now))).ToList();

    internal static TrainingTarget FromProfile(TrainingTargetProfile profile, DateTime now)
    {
        var closing = profile.Status == TargetStatus.WindingDown;
        return new TrainingTarget
        {
            Key = profile.Key,
            Format = profile.Key,
            Name = profile.DisplayName,
            Kind = profile.Hosted ? "hosted" : "open",
            MinExamples = profile.MinimumExamples,
            TokenLimitPerExample = profile.TokenLimitPerExample,
            PricePerMillionTokens = (double)(profile.PricePerMillionTrainingTokens ?? 0m),
            Status = closing ? Closing : Available,
            ClosesOn = profile.NewJobsEndOn?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
            Notice = SeededNotice(profile),
            Alternatives = closing ? OpenAiAlternatives : "",
            UpdatedAt = now,
        };
    }

    /// <summary>The notice a built-in target's row is seeded with; a row still holding it was never edited.</summary>
    internal static string SeededNotice(TrainingTargetProfile profile) => profile.PricePerMillionTrainingTokens is null
        ? profile.Hosted ? profile.PriceNote : SelfHostedPriceNotice
        : TrainingTargets.ExamplePriceNote + (profile.Notice is null ? "" : " " + profile.Notice);

    private static TrainingTargetView ToView(TrainingTarget t) => new(
        t.Key, t.Name, t.Kind, t.MinExamples, t.TokenLimitPerExample, t.PricePerMillionTokens, t.Status,
        t.ClosesOn is { } d ? DateOnly.FromDateTime(d) : null, t.Notice, t.Alternatives, t.UpdatedAt, t.Format);
}

namespace FineTuneStudio.Core.Domain;

/// <summary>
/// A claim on a piece of background work (e.g. the quality analysis of dataset 7) by one app
/// instance until <see cref="ExpiresAt"/>. The holder renews it while it works and removes it when
/// done; a crashed holder's claim simply runs out, so another instance can take the work over.
/// </summary>
public class JobLease
{
    /// <summary>What kind of work, e.g. "quality" or "export".</summary>
    public string Kind { get; set; } = "";

    /// <summary>Which one, e.g. the dataset id.</summary>
    public string Key { get; set; } = "";

    /// <summary>The instance holding the claim (machine, process and a random part).</summary>
    public string Owner { get; set; } = "";

    /// <summary>New for every claim, so finishing one piece of work never releases a later claim of the same owner.</summary>
    public Guid Token { get; set; }

    public DateTime AcquiredAt { get; set; }

    public DateTime ExpiresAt { get; set; }
}

namespace FineTuneStudio.Core.Domain;

/// <summary>An immutable snapshot of a dataset, exported to files that never change.</summary>
public class DatasetVersion
{
    public int Id { get; set; }
    public int DatasetId { get; set; }
    public Dataset? Dataset { get; set; }
    public int Number { get; set; }
    public string Note { get; set; } = "";
    public string? AuthorId { get; set; }
    public string AuthorName { get; set; } = "";
    /// <summary>Training target key, e.g. openai-chat.</summary>
    public required string Target { get; set; }
    public int Seed { get; set; }
    public double ValidationShare { get; set; }
    public double TestShare { get; set; }
    public string FiltersJson { get; set; } = "{}";
    public int TrainCount { get; set; }
    public int ValidationCount { get; set; }
    public int TestCount { get; set; }
    public string TokenStatsJson { get; set; } = "{}";
    /// <summary>The manifest written beside the files, kept here too so a version is readable without the storage root.</summary>
    public string ManifestJson { get; set; } = "{}";
    /// <summary>Folder of the files, relative to the configured storage root.</summary>
    public string StoragePath { get; set; } = "";
    public DateTime CreatedAt { get; set; }

    public List<DatasetVersionFile> Files { get; set; } = [];
    public List<DatasetVersionExample> Examples { get; set; } = [];
}

public class DatasetVersionFile
{
    public int Id { get; set; }
    public int DatasetVersionId { get; set; }
    public required string Name { get; set; }
    public required string Sha256 { get; set; }
    public long Bytes { get; set; }
    public int Lines { get; set; }
}

/// <summary>Which example went into which split of a version, with its content hash at that time (for diffs).</summary>
public class DatasetVersionExample
{
    public int DatasetVersionId { get; set; }
    public int ExampleId { get; set; }
    public SplitPin Split { get; set; }
    public string ContentHash { get; set; } = "";
}

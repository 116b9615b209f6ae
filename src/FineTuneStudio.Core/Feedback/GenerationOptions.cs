using System.ComponentModel.DataAnnotations;

namespace FineTuneStudio.Core.Feedback;

/// <summary>The OpenAI-compatible endpoint for synthetic drafts (configuration <c>Studio:Generation</c>; never stored in the database).</summary>
public sealed class GenerationOptions
{
    public const string Section = "Studio:Generation";

    /// <summary>Base URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1.</summary>
    public string? BaseUrl { get; set; }
    public string? Model { get; set; }
    public string? ApiKey { get; set; }
    /// <summary>Waits below 5 seconds are raised to 5.</summary>
    [Range(1, int.MaxValue, ErrorMessage = Section + ":TimeoutSeconds must be at least 1")]
    public int TimeoutSeconds { get; set; } = 120;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(BaseUrl) && !string.IsNullOrWhiteSpace(Model);
}

using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>
/// Named OpenAI-compatible endpoints a run can be generated against, and how hard to try
/// (configuration <c>Studio:Evaluation:Generation</c>). Keys come from user secrets or the
/// environment; a run stores only the endpoint's name and the model.
/// </summary>
public sealed class EvalGenerationOptions
{
    public const string Section = "Studio:Evaluation:Generation";

    /// <summary>Requests in flight at once for one run.</summary>
    [Range(1, int.MaxValue, ErrorMessage = Section + ":MaxConcurrency must be at least 1")]
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Retries after the first attempt on 429, 5xx, timeouts and dropped connections.</summary>
    [Range(0, int.MaxValue, ErrorMessage = Section + ":MaxRetries must be 0 or more")]
    public int MaxRetries { get; set; } = 3;

    [Range(1, int.MaxValue, ErrorMessage = Section + ":TimeoutSeconds must be at least 1")]
    public int TimeoutSeconds { get; set; } = 60;

    /// <summary>The first retry waits this long, each further one twice as long.</summary>
    [Range(0, int.MaxValue, ErrorMessage = Section + ":RetryDelayMilliseconds must be 0 or more")]
    public int RetryDelayMilliseconds { get; set; } = 500;

    /// <summary>Whether this instance picks up runs a stopped instance left Pending or Running (at start-up and every two minutes).</summary>
    public bool ResumeOrphanedRuns { get; set; } = true;

    public Dictionary<string, EvalEndpointOptions> Endpoints { get; set; } = [];
}

public sealed class EvalEndpointOptions
{
    /// <summary>e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1</summary>
    public string? BaseUrl { get; set; }

    public string? ApiKey { get; set; }

    /// <summary>Shown beside the run, e.g. "ollama" or "openai".</summary>
    public string? Provider { get; set; }

    /// <summary>Models offered on the page; any other model name may still be typed.</summary>
    public List<string> Models { get; set; } = [];

    /// <summary>USD per million input tokens, to show what a judge run costs; unset means the cost is not shown.</summary>
    public decimal? InputPricePerMillion { get; set; }

    /// <summary>USD per million output tokens.</summary>
    public decimal? OutputPricePerMillion { get; set; }
}

/// <summary>An endpoint as pages and the API may show it: no key, no address.</summary>
public sealed record EvalEndpointInfo(string Name, string Provider, IReadOnlyList<string> Models);

/// <summary>
/// The endpoints as the settings stand now: an endpoint added to appsettings.json (which reloads on change)
/// is offered without a restart.
/// </summary>
public sealed class EvalEndpointCatalog(IOptionsMonitor<EvalGenerationOptions> options)
{
    public EvalGenerationOptions Options => options.CurrentValue;

    public IReadOnlyList<EvalEndpointInfo> List() =>
        Options.Endpoints.Where(e => !string.IsNullOrWhiteSpace(e.Value.BaseUrl)).OrderBy(e => e.Key, StringComparer.OrdinalIgnoreCase)
            .Select(e => new EvalEndpointInfo(e.Key, ProviderOf(e.Key, e.Value), e.Value.Models)).ToList();

    public EvalEndpointOptions? Find(string name) =>
        Options.Endpoints.FirstOrDefault(e => string.Equals(e.Key, name, StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(e.Value.BaseUrl)).Value;

    internal static string ProviderOf(string name, EvalEndpointOptions endpoint) =>
        string.IsNullOrWhiteSpace(endpoint.Provider) ? "openai-compatible" : endpoint.Provider.Trim();
}

using System.ComponentModel.DataAnnotations;

namespace FineTuneStudio.Core.Examples;

/// <summary><c>Studio:Examples</c>: how the example list answers broad searches.</summary>
public sealed class ExampleListOptions
{
    public const string Section = "Studio:Examples";
    public const string SearchCountCapKey = Section + ":" + nameof(SearchCountCap);

    /// <summary>
    /// A search with no other filter counts matches up to this many and then says "more than": counting every one
    /// of 100,000 matches would cost more than the page itself. The count is most of a broad search's time (at
    /// 100,000 examples, a term in one in eight: median 44 ms counting 10,000, 12 ms counting 2,000).
    /// </summary>
    [Range(1, 10_000_000, ErrorMessage = SearchCountCapKey + " must be from 1 to 10,000,000")]
    public int SearchCountCap { get; set; } = 2_000;
}

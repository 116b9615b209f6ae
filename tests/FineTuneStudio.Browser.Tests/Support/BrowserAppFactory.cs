using FineTuneStudio.Core.Examples;
using FineTuneStudio.Web.Tests.Support;

namespace FineTuneStudio.Browser.Tests.Support;

/// <summary>The browser collection's host: as every test host, with a search count cap low enough to reach in a test.</summary>
public sealed class BrowserAppFactory : StudioAppFactory
{
    /// <summary>A search with no other filter counts this many matches, then says "more than".</summary>
    public const int SearchCountCap = 30;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        [ExampleListOptions.SearchCountCapKey] = SearchCountCap.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

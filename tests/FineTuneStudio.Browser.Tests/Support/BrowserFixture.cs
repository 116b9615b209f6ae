using FineTuneStudio.Web.Tests.Support;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Support;

/// <summary>
/// One real web host and one headless Debian Chromium for a whole test collection. Each test gets
/// its own browser context (cookies), so tests do not see each other's sign-in.
/// </summary>
public sealed partial class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public StudioAppFactory App { get; } = new BrowserAppFactory();

    public IBrowser Browser { get; private set; } = default!;

    /// <summary>Screenshots land beside the test assembly, in screenshots/.</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: run scripts/install-test-deps.sh (installs Debian's chromium).");
        }

        await App.InitializeAsync();
        Directory.CreateDirectory(ScreenshotFolder);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
    }

    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = App.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1366, Height = 860 },
            AcceptDownloads = true,
        });
        context.SetDefaultTimeout(20_000);
        return await context.NewPageAsync();
    }

    /// <summary>Signs in through the form and waits until the app's circuit is live.</summary>
    public async Task<IPage> SignedInPageAsync(string email, string? password = null)
    {
        var page = await NewPageAsync();
        await page.GotoAsync("account/login");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password ?? StudioAppFactory.DemoPassword);
        await page.ClickAsync("[data-testid=sign-in]");
        await WaitForCircuitAsync(page);
        return page;
    }

    /// <summary>Blazor Server pages are prerendered; buttons work only once the circuit connects.</summary>
    public static Task WaitForCircuitAsync(IPage page) =>
        page.Locator("[data-testid=circuit-ready]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    /// <summary>Uploads a JSONL file on the project's import page as approved examples, as an ML lead would, and waits for the count.</summary>
    public static async Task ImportApprovedOnThePageAsync(IPage page, int projectId, string fileName, string jsonl, int expected)
    {
        await page.GotoAsync($"projects/{projectId}/examples/import");
        await WaitForCircuitAsync(page);
        await page.Locator("[data-testid=import-file]").SetInputFilesAsync(new FilePayload { Name = fileName, MimeType = "application/jsonl", Buffer = System.Text.Encoding.UTF8.GetBytes(jsonl) });
        await Assertions.Expect(page.Locator("[data-testid=import-file-name]")).ToContainTextAsync(fileName);
        await page.Locator("[data-testid=import-status]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Approved" }).ClickAsync();
        await page.ClickAsync("[data-testid=import-run]");
        await Assertions.Expect(page.Locator("[data-testid=import-result]")).ToHaveTextAsync($"Imported {expected} examples, 0 duplicates skipped.");
    }

    /// <summary>Picks a training target on the versions page's cut form by the name the list shows (its first match).</summary>
    public static async Task ChooseTargetAsync(IPage page, string name)
    {
        await page.Locator("[data-testid=target-select]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = name }).First.ClickAsync();
    }

    /// <summary>Opens a version's page on its "Training recipes" tab.</summary>
    public static async Task OpenRecipesAsync(IPage page, int projectId, int versionId)
    {
        await page.GotoAsync($"projects/{projectId}/versions/{versionId}");
        await WaitForCircuitAsync(page);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Training recipes" }).ClickAsync();
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        await ((IAsyncLifetime)App).DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}

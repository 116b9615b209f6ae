using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace FineTuneStudio.Web.Components.Layout;

public partial class MainLayout
{
    private MudThemeProvider? _themeProvider;
    private ErrorBoundary? _errorBoundary;
    private bool _drawerOpen = true;
    private bool _darkMode;
    private bool _interactive;

    [Inject] public required ILogger<MainLayout> Logger { get; init; }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }

        if (_themeProvider is not null)
        {
            // Start in the theme the operating system asks for.
            _darkMode = await _themeProvider.GetSystemDarkModeAsync();
        }

        _interactive = true;
        StateHasChanged();
    }

    protected override void OnParametersSet() => _errorBoundary?.Recover();

    private void ToggleDrawer() => _drawerOpen = !_drawerOpen;

    private void ToggleTheme() => _darkMode = !_darkMode;

    private void Recover()
    {
        Logger.LogInformation("User recovered from a page error");
        _errorBoundary?.Recover();
    }
}

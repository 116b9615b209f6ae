using MudBlazor;

namespace FineTuneStudio.Web.Components.Layout;

public static class StudioTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3949ab",
            Secondary = "#00897b",
            AppbarBackground = "#283593",
            Background = "#f6f7fb",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8c9eff",
            Secondary = "#4db6ac",
            AppbarBackground = "#1a1f3a",
        },
        LayoutProperties = new LayoutProperties { DrawerWidthLeft = "232px" },
    };
}

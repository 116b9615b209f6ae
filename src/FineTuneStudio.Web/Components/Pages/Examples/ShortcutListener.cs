using Microsoft.JSInterop;

namespace FineTuneStudio.Web.Components.Pages.Examples;

/// <summary>Listens to the page's keyboard shortcuts through a small JS module and hands their names to a callback.</summary>
public sealed class ShortcutListener(Func<string, Task> onShortcut) : IAsyncDisposable
{
    private DotNetObjectReference<ShortcutListener>? _self;
    private IJSObjectReference? _module;
    private IJSObjectReference? _registration;

    /// <summary>Null when listening; otherwise why the shortcuts are off (the page still works with the mouse).</summary>
    public async Task<string?> StartAsync(IJSRuntime js)
    {
        _self = DotNetObjectReference.Create(this);
        try
        {
            _module = await js.InvokeAsync<IJSObjectReference>("import", "./js/example-shortcuts.js");
            _registration = await _module.InvokeAsync<IJSObjectReference>("register", _self);
            return null;
        }
        catch (JSException e)
        {
            return $"Keyboard shortcuts are off: {e.Message}";
        }
    }

    [JSInvokable]
    public Task OnShortcut(string name) => onShortcut(name);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_registration is not null)
            {
                await _registration.InvokeVoidAsync("dispose");
                await _registration.DisposeAsync();
            }

            if (_module is not null)
            {
                await _module.DisposeAsync();
            }
        }
        catch (JSDisconnectedException)
        {
            // The circuit is gone; so is the listener.
        }

        _self?.Dispose();
    }
}

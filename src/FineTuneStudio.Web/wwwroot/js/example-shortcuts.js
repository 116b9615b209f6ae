// Keyboard shortcuts of the example pages. Plain keys are ignored while typing in a field;
// Ctrl/Alt combinations work everywhere. The page decides what each key does.
const handled = new Set(["j", "k", "n", "p", "a", "r", "y", "?", "1", "2", "3", "4", "5", "6", "7", "8", "9", "escape"]);

export function register(dotnet) {
    const listener = event => {
        const key = event.key.toLowerCase();
        let name = null;
        if ((event.ctrlKey || event.metaKey) && key === "s") name = "save";
        else if ((event.ctrlKey || event.metaKey) && key === "enter") name = "submit";
        else if (event.altKey && key === "arrowdown") name = "next";
        else if (event.altKey && key === "arrowup") name = "previous";
        else if (!event.ctrlKey && !event.metaKey && !event.altKey) {
            const target = event.target;
            const typing = target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
            if (key === "escape") name = "escape";
            else if (!typing && handled.has(key)) name = key === "?" ? "help" : key;
        }
        if (name) {
            event.preventDefault();
            dotnet.invokeMethodAsync("OnShortcut", name);
        }
    };
    document.addEventListener("keydown", listener);
    return { dispose: () => document.removeEventListener("keydown", listener) };
}

using System.Globalization;
using System.Reflection;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.WebUtilities;

namespace FineTuneStudio.Web.Components.Layout;

/// <summary>A page whose route or query names a project object under another name than the common ones.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class PageScopeAttribute(string parameter, ScopeKind kind, ScopeSource source = ScopeSource.Route) : Attribute
{
    public string Parameter { get; } = parameter;
    public ScopeKind Kind { get; } = kind;
    public ScopeSource Source { get; } = source;
}

public sealed partial class ProjectWallView
{
    // The names pages use for the objects in their address; a page can add its own with [PageScope].
    private static readonly (string Name, ScopeKind Kind, ScopeSource Source)[] CommonScopes =
    [
        ("ProjectId", ScopeKind.Project, ScopeSource.Route),
        ("ExampleId", ScopeKind.Example, ScopeSource.Route),
        ("VersionId", ScopeKind.Version, ScopeSource.Route),
        ("RunId", ScopeKind.EvalRun, ScopeSource.Route),
        ("ComparisonId", ScopeKind.Comparison, ScopeSource.Route),
        ("AssessmentId", ScopeKind.Assessment, ScopeSource.Route),
        ("JudgeId", ScopeKind.Judge, ScopeSource.Route),
        ("JudgeRunId", ScopeKind.JudgeRun, ScopeSource.Route),
        ("dataset", ScopeKind.Dataset, ScopeSource.Query),
    ];

    private WallDecision? _decision;
    private Task<AuthenticationState>? _state;
    private int _asked;
    private List<ScopeTarget> _targets = [];

    [Parameter, EditorRequired] public Microsoft.AspNetCore.Components.RouteData RouteData { get; set; } = default!;
    [Parameter] public RenderFragment? ChildContent { get; set; }
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;
    [Inject] public required ProjectWall Wall { get; init; }
    [Inject] public required NavigationManager Navigation { get; init; }

    protected override async Task OnParametersSetAsync()
    {
        var asked = ++_asked;
        var targets = Targets();
        if (!targets.SequenceEqual(_targets))
        {
            // A new address: nothing of it renders before the wall has answered.
            _decision = null;
        }

        var state = await AuthenticationState;
        var decision = await Wall.EnterAsync(state.User, targets, ComponentToken);
        if (asked != _asked)
        {
            return; // The user navigated on while the wall was asked; the newer question wins.
        }

        _targets = targets;
        _state = Task.FromResult(new AuthenticationState(decision.User ?? state.User));
        _decision = decision;
    }

    private List<ScopeTarget> Targets()
    {
        var scopes = CommonScopes.Concat(RouteData.PageType.GetCustomAttributes<PageScopeAttribute>().Select(a => (a.Parameter, a.Kind, a.Source)));
        var query = QueryHelpers.ParseQuery(new Uri(Navigation.Uri).Query);
        var targets = new List<ScopeTarget>();
        foreach (var (name, kind, source) in scopes)
        {
            var raw = source == ScopeSource.Route
                ? RouteData.RouteValues.TryGetValue(name, out var value) ? Convert.ToString(value, CultureInfo.InvariantCulture) : null
                : query.TryGetValue(name, out var values) ? values.ToString() : null;
            if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                targets.Add(new ScopeTarget(kind, id));
            }
        }

        return targets;
    }
}

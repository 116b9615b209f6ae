using System.Reflection;
using System.Runtime.CompilerServices;
using FineTuneStudio.Web.Components.Pages.Imports;
using FineTuneStudio.Web.Components.Pages.Versions;
using FineTuneStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Web.Tests.Architecture;

/// <summary>
/// Pages and components stay thin: the base component owns their cancellation, and they reach data
/// only through Core services, never through the API's types or a DbContext.
/// </summary>
public sealed class ComponentRulesTests
{
    private const BindingFlags Declared = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    /// <summary>Sources for one operation the user can cancel with a button, linked to the component's token.</summary>
    private static readonly HashSet<(Type, string)> CancelButtons =
    [
        (typeof(VersionsPage), "_cutCts"),
        (typeof(ImportPage), "_run"),
        (typeof(FineTuneStudio.Web.Components.Pages.Suggestions.SuggestionSourcesPanel), "_asking"),
    ];

    private static IEnumerable<Type> Components() => typeof(StudioComponentBase).Assembly.GetTypes()
        .Where(t => typeof(IComponent).IsAssignableFrom(t) && t != typeof(StudioComponentBase));

    [Fact]
    public void Components_HoldNoCancellationTokenSource_TheBaseComponentOwnsIt()
    {
        var offenders = Components()
            .SelectMany(t => t.GetFields(Declared).Select(f => (Type: t, Field: f)))
            .Where(x => x.Field.FieldType == typeof(CancellationTokenSource) && !CancelButtons.Contains((x.Type, x.Field.Name)))
            .Select(x => $"{x.Type.Name}.{x.Field.Name}: inherit StudioComponentBase and use ComponentToken")
            .ToList();

        offenders.ShouldBeEmpty();
    }

    [Fact]
    public void Components_InjectNoApiTypeOrDbContext_TheyUseCoreServices()
    {
        var offenders = Components()
            .SelectMany(t => Dependencies(t).Where(Forbidden).Select(d => $"{t.Name} depends on {d.FullName}"))
            .ToList();

        offenders.ShouldBeEmpty();
    }

    [Fact]
    public void Components_InjectedServices_AreRequiredAndInitOnly()
    {
        // `[Inject] public required T X { get; init; }`: the compiler, not a null at run time, says a service is missing.
        var offenders = Components()
            .SelectMany(t => t.GetProperties(Declared).Where(p => p.IsDefined(typeof(InjectAttribute))).Select(p => (Type: t, Property: p)))
            .Where(x => !x.Property.IsDefined(typeof(RequiredMemberAttribute)) || !IsInitOnly(x.Property))
            .Select(x => $"{x.Type.Name}.{x.Property.Name}: declare it [Inject] public required ... {{ get; init; }}")
            .ToList();

        offenders.ShouldBeEmpty();
    }

    [Fact]
    public void Components_Scan_SeesThePagesItGuards()
    {
        // The scan must see the components it guards, or the tests above pass for nothing.
        Components().ShouldContain(typeof(VersionsPage));
        typeof(VersionsPage).IsSubclassOf(typeof(StudioComponentBase)).ShouldBeTrue();
    }

    private static bool IsInitOnly(PropertyInfo property) =>
        property.SetMethod?.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit)) == true;

    /// <summary>Injected properties (inherited ones too), constructor parameters and fields.</summary>
    private static IEnumerable<Type> Dependencies(Type component) =>
        component.GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(p => p.IsDefined(typeof(InjectAttribute), inherit: true)).Select(p => p.PropertyType)
            .Concat(component.GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.ParameterType))
            .Concat(component.GetFields(Declared).Select(f => f.FieldType))
            .SelectMany(WithTypeArguments)
            .Distinct();

    private static IEnumerable<Type> WithTypeArguments(Type type) =>
        type.IsGenericType ? type.GetGenericArguments().SelectMany(WithTypeArguments).Prepend(type) : [type];

    private static bool Forbidden(Type type) =>
        type.Namespace?.StartsWith("FineTuneStudio.Web.Api", StringComparison.Ordinal) == true
        || typeof(DbContext).IsAssignableFrom(type)
        || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDbContextFactory<>));
}

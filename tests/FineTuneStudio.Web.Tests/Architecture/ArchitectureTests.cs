using ArchUnitNET.Domain;
using ArchUnitNET.Fluent.Slices;
using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;
using FineTuneStudio.Core.Data;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace FineTuneStudio.Web.Tests.Architecture;

/// <summary>
/// The arrows between the rooms (docs/architecture.md), read from the compiled assemblies. What crosses
/// on purpose is in docs/decisions/0001-core-references-identity-stores.md.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly System.Reflection.Assembly CoreAssembly = typeof(StudioDbContext).Assembly;
    private static readonly System.Reflection.Assembly WebAssembly = typeof(Program).Assembly;

    private static readonly ArchUnitNET.Domain.Architecture Studio =
        new ArchLoader().LoadAssemblies(CoreAssembly, WebAssembly).Build();

    [Fact]
    public void Core_references_no_web_cli_or_hosting_assembly()
    {
        // Identity and data protection reach Core only through their EF Core stores (decision 0001).
        string[] allowedAspNet =
        [
            "Microsoft.AspNetCore.Identity.EntityFrameworkCore",
            "Microsoft.AspNetCore.DataProtection.EntityFrameworkCore",
            "Microsoft.AspNetCore.DataProtection",
            "Microsoft.AspNetCore.DataProtection.Abstractions",
            "Microsoft.AspNetCore.Cryptography.Internal",
        ];
        var forbidden = CoreAssembly.GetReferencedAssemblies().Select(a => a.Name!)
            .Where(name => name.StartsWith("FineTuneStudio.Web", StringComparison.Ordinal)
                || name.StartsWith("FineTuneStudio.Cli", StringComparison.Ordinal)
                || name.StartsWith("System.CommandLine", StringComparison.Ordinal)
                || name.StartsWith("MudBlazor", StringComparison.Ordinal)
                || (name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) && !allowedAspNet.Contains(name)))
            .ToList();

        forbidden.ShouldBeEmpty();
    }

    [Fact]
    public void Core_types_use_no_web_hosting_or_http_types()
    {
        Types().That().ResideInAssembly(CoreAssembly).Should()
            .NotDependOnAny(Types().That().HaveFullNameStartingWith("FineTuneStudio.Web")
                .Or().HaveFullNameStartingWith("FineTuneStudio.Cli")
                .Or().HaveFullNameStartingWith("Microsoft.AspNetCore.Hosting")
                .Or().HaveFullNameStartingWith("Microsoft.AspNetCore.Http")
                .Or().HaveFullNameStartingWith("Microsoft.AspNetCore.Components")
                .Or().HaveFullNameStartingWith("Microsoft.AspNetCore.Mvc"))
            .Check(Studio);
    }

    [Fact]
    public void Domain_knows_no_data_access()
    {
        Types().That().HaveFullNameStartingWith("FineTuneStudio.Core.Domain.").Should()
            .NotDependOnAny(Types().That().HaveFullNameStartingWith("FineTuneStudio.Core.Data.")
                .Or().HaveFullNameStartingWith("Microsoft.EntityFrameworkCore"))
            .Check(Studio);
    }

    [Fact]
    public void Pages_know_no_api_endpoints()
    {
        Types().That().HaveFullNameStartingWith("FineTuneStudio.Web.Components.").Should()
            .NotDependOnAny(Types().That().HaveFullNameStartingWith("FineTuneStudio.Web.Api."))
            .Check(Studio);
    }

    [Fact]
    public void Core_features_have_no_cycles()
    {
        SliceRuleDefinition.Slices().Matching("FineTuneStudio.Core.(*)").Should().BeFreeOfCycles().Check(Studio);
    }
}

using System.Globalization;
using System.Security.Claims;
using FineTuneStudio.Core;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Projects;
using Microsoft.AspNetCore.Authentication;

namespace FineTuneStudio.Web.Infrastructure;

/// <summary>Where a route finds the id of the object it works on.</summary>
public enum ScopeSource
{
    Route,
    Query,
}

/// <summary>Endpoint metadata: this route works on the object of <see cref="Kind"/> whose id is in <see cref="Parameter"/>.</summary>
public sealed record ProjectScopeMetadata(ScopeKind Kind, string Parameter, ScopeSource Source = ScopeSource.Route);

/// <summary>One object a request or page points at.</summary>
public readonly record struct ScopeTarget(ScopeKind Kind, int Id);

/// <summary>What the wall decided: the caller's powers inside the project, or the object the caller may not know exists.</summary>
public sealed record WallDecision(ClaimsPrincipal? User, int? ProjectId, ScopeTarget? Hidden)
{
    public bool Allowed => User is not null;

    /// <summary>The same words a missing object gets, so a refusal does not tell that the object exists.</summary>
    public string NotFoundMessage => Hidden is { } target ? $"{ProjectScopes.EntityName(target.Kind)} {target.Id} was not found." : "Not found.";
}

/// <summary>
/// The wall between projects. A user's powers inside a project are the role of their membership
/// there (Admin stays global and sees everything); a project they are not a member of, and
/// everything in it, does not exist for them. Outside any project (the project list, their
/// profile) their powers are their own roles plus every membership role, so e.g. an ML lead of
/// one project may create another.
/// </summary>
public sealed class ProjectWall(ProjectScopes scopes, MembershipReader members)
{
    public async Task<WallDecision> EnterAsync(ClaimsPrincipal user, IReadOnlyCollection<ScopeTarget> targets, CancellationToken cancellationToken)
    {
        if (user.Identity?.IsAuthenticated != true || user.UserId() is not { } userId)
        {
            return new WallDecision(user, null, null);
        }

        var isAdmin = user.IsInRole(StudioRoles.Admin);
        var roles = await members.RolesByProjectAsync(userId, cancellationToken);
        int? projectId = null;
        foreach (var target in targets)
        {
            var owner = await scopes.ProjectOfAsync(target.Kind, target.Id, cancellationToken);
            // Missing, in a project the caller is not in, or mixing two projects in one request: all read "not found".
            if (owner is null || (projectId is { } first && first != owner) || (!isAdmin && !roles.ContainsKey(owner.Value)))
            {
                return new WallDecision(null, null, target);
            }

            projectId = owner;
        }

        if (isAdmin)
        {
            return new WallDecision(user, projectId, null);
        }

        var powers = projectId is { } inProject
            ? [roles[inProject]]
            : user.FindAll(ClaimTypes.Role).Select(c => c.Value).Concat(roles.Values).Distinct(StringComparer.Ordinal).ToList();
        return new WallDecision(WithRoles(user, powers), projectId, null);
    }

    /// <summary>Checks a project named in a request body (the routes cannot say which one it is).</summary>
    public async Task<ClaimsPrincipal> RequireAsync(ClaimsPrincipal user, ScopeKind kind, int id, string policy, CancellationToken cancellationToken)
    {
        var decision = await EnterAsync(user, [new ScopeTarget(kind, id)], cancellationToken);
        if (!decision.Allowed)
        {
            throw new NotFoundException(decision.NotFoundMessage);
        }

        if (!StudioPolicies.Allows(policy, decision.User!.FindAll(ClaimTypes.Role).Select(c => c.Value)))
        {
            throw new ForbiddenException($"Your role in this project does not allow this ({policy}).");
        }

        return decision.User!;
    }

    private static ClaimsPrincipal WithRoles(ClaimsPrincipal user, IReadOnlyCollection<string> roles)
    {
        var source = (ClaimsIdentity)user.Identity!;
        var identity = new ClaimsIdentity(source.Claims.Where(c => c.Type != source.RoleClaimType), source.AuthenticationType, source.NameClaimType, source.RoleClaimType);
        identity.AddClaims(roles.Select(r => new Claim(source.RoleClaimType, r)));
        return new ClaimsPrincipal(identity);
    }
}

/// <summary>Puts every API request that names a project's object behind the wall, before authorization reads the roles.</summary>
public sealed class ProjectWallMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, ProjectWall wall)
    {
        if (context.User.Identity?.IsAuthenticated != true)
        {
            await next(context);
            return;
        }

        var targets = new List<ScopeTarget>();
        foreach (var scope in context.GetEndpoint()?.Metadata.GetOrderedMetadata<ProjectScopeMetadata>() ?? [])
        {
            var raw = scope.Source == ScopeSource.Route ? context.Request.RouteValues[scope.Parameter]?.ToString() : context.Request.Query[scope.Parameter].ToString();
            if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                targets.Add(new ScopeTarget(scope.Kind, id));
            }
        }

        var decision = await wall.EnterAsync(context.User, targets, context.RequestAborted);
        if (!decision.Allowed)
        {
            await TypedResults.Problem(StudioExceptionHandler.ToProblem(new NotFoundException(decision.NotFoundMessage))).ExecuteAsync(context);
            return;
        }

        // Setting User drops the authentication result; keep it (with its scheme, which the API antiforgery rule reads).
        var result = context.Features.Get<IAuthenticateResultFeature>();
        var scheme = result?.AuthenticateResult?.Ticket?.AuthenticationScheme;
        context.User = decision.User!;
        if (result is not null && scheme is not null)
        {
            result.AuthenticateResult = AuthenticateResult.Success(new AuthenticationTicket(decision.User!, scheme));
        }

        await next(context);
    }
}

public static class ProjectWallExtensions
{
    /// <summary>Declares which project object the route works on; the wall refuses non-members with 404.</summary>
    public static TBuilder InProject<TBuilder>(this TBuilder builder, ScopeKind kind, string parameter, ScopeSource source = ScopeSource.Route)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ProjectScopeMetadata(kind, parameter, source));

    public static WebApplication UseProjectWall(this WebApplication app)
    {
        app.UseMiddleware<ProjectWallMiddleware>();
        return app;
    }
}

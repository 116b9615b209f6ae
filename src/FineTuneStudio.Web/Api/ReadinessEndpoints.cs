namespace FineTuneStudio.Web.Api;

public static class ReadinessEndpoints
{
    public static void MapReadinessEndpoints(this IEndpointRouteBuilder app)
    {
    }
}

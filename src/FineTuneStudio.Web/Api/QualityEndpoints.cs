namespace FineTuneStudio.Web.Api;

public static class QualityEndpoints
{
    public static void MapQualityEndpoints(this IEndpointRouteBuilder app)
    {
    }
}

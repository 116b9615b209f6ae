namespace FineTuneStudio.Web.Api;

public static class ExportEndpoints
{
    public static void MapExportEndpoints(this IEndpointRouteBuilder app)
    {
    }
}

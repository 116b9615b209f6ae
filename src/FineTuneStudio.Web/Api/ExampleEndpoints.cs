namespace FineTuneStudio.Web.Api;

public static class ExampleEndpoints
{
    public static void MapExampleEndpoints(this IEndpointRouteBuilder app)
    {
    }
}

using FineTuneStudio.Core.Generation;

namespace FineTuneStudio.Core.Tests.Generation;

public sealed class EndpointFailureTests
{
    [Theory]
    [InlineData("upstream connect error to 10.1.2.3:8080", "upstream connect error to [address]")]
    [InlineData("see https://llm.internal.example/v1/chat for details", "see [address] for details")]
    [InlineData("gateway llm.internal.example refused", "gateway [address] refused")]
    [InlineData("proxy at vllm-0.cluster:8000 is down", "proxy at [address] is down")]
    [InlineData("[::1]:11434 closed", "[address] closed")]
    [InlineData("model 'gpt-4o' is overloaded, retry", "model 'gpt-4o' is overloaded, retry")]
    public void WithoutAddresses_ServerMessage_KeepsTheWordsAndDropsEveryAddress(string message, string expected) =>
        EndpointFailure.WithoutAddresses(message, "https://llm.internal.example/v1").ShouldBe(expected);
}

using PredictiveSharding.Traces;

namespace PredictiveSharding.Cli.Commands;

/// <summary>
/// The trace <c>psharding simulate</c> runs without <c>--trace</c>: real Azure Functions invocations per minute (500
/// functions, 8 hours; CC-BY 4.0, Shahrad et al., USENIX ATC 2020; see Data/README.md), embedded in the tool.
/// </summary>
internal static class SimulateEmbeddedTrace
{
    public const string Name = "azure_functions_minute.csv (embedded; Azure Functions 2019, CC-BY 4.0, Shahrad et al. ATC 2020)";

    private const string ResourceName = "PredictiveSharding.Cli.Data.azure_functions_minute.csv";

    public static KeyTrace Read(TimeSpan? step, CancellationToken cancellationToken = default)
    {
        using var stream = typeof(SimulateEmbeddedTrace).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded trace '{ResourceName}' is missing from the tool.");
        using var reader = new StreamReader(stream);
        return TraceCsv.ReadKeyTrace(reader, step, "embedded " + ResourceName, cancellationToken);
    }
}

using System.Globalization;
using PredictiveSharding.Planning.Placement;

namespace PredictiveSharding.Planning.Explain;

/// <summary>The wording of action reasons and warnings (invariant culture, so plans read the same everywhere).</summary>
internal static class ReasonText
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>E.g. "node n1 requests at step 5 (2026-11-25T19:00:00Z): 1.12 × capacity at q0.9 > threshold 0.80" (or "0.803 × capacity … > threshold 0.80").</summary>
    public static string Breach(LoadModel model, NodeBreach breach)
    {
        // The threshold with the decimals it has and the utilisation with more while it would read the same: with two
        // fixed decimals a node just over 0.8 read "0.80 × capacity … > threshold 0.80", and 0.855 was printed 0.86.
        var limit = breach.AtCapacity
            ? "capacity"
            : "threshold " + ReasonNumbers.Setting(breach.Limit);
        return string.Create(Inv, $"node {model.Nodes[breach.Node].Id} {model.Resources[breach.Resource]} at step {breach.Step} ({Time(model.StepTime(breach.Step))}): {ReasonNumbers.Against(breach.Utilization, breach.Limit)} × capacity at q{Quantile(breach.Quantile)} > {limit}");
    }

    public static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Inv);

    public static string Quantile(double q) => q.ToString("0.###", Inv);

    public static string Share(double value) => value.ToString("0.00", Inv);

    public static string Bytes(long bytes) => bytes.ToString(Inv);
}

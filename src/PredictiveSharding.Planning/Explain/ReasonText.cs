using System.Globalization;
using PredictiveSharding.Planning.Placement;

namespace PredictiveSharding.Planning.Explain;

/// <summary>The wording of action reasons and warnings (invariant culture, so plans read the same everywhere).</summary>
internal static class ReasonText
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>E.g. "node n1 requests at step 5 (2026-11-25T19:00:00Z): 1.12 × capacity at q0.9 > threshold 0.80".</summary>
    public static string Breach(LoadModel model, NodeBreach breach)
    {
        var limit = breach.AtCapacity
            ? "capacity"
            : "threshold " + breach.Limit.ToString("0.00", Inv);
        return string.Create(Inv, $"node {model.Nodes[breach.Node].Id} {model.Resources[breach.Resource]} at step {breach.Step} ({Time(model.StepTime(breach.Step))}): {breach.Utilization:0.00} × capacity at q{Quantile(breach.Quantile)} > {limit}");
    }

    public static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Inv);

    public static string Quantile(double q) => q.ToString("0.###", Inv);

    public static string Share(double value) => value.ToString("0.00", Inv);

    /// <summary>
    /// A share setting a reason holds a value against (the split or merge share) with the decimals it has: at least two,
    /// at most six ("0.50", "0.35", "0.004"). Two fixed decimals printed a merge share of 0.004 as "0.00", below the peak it
    /// bounds.
    /// </summary>
    public static string Setting(double value) => value.ToString("0.00####", Inv);

    /// <summary>
    /// A share held against <paramref name="setting"/>: with <paramref name="decimals"/> decimals, or more (at most six)
    /// while it would read the same as the setting without being equal to it, so a value above a setting of 0.005 reads
    /// 0.006, not 0.01 against 0.01.
    /// </summary>
    public static string Share(double value, double setting, int decimals)
    {
        while (decimals < 6 && value != setting && Fixed(value, decimals) == Fixed(setting, decimals))
        {
            decimals++;
        }

        return Fixed(value, decimals);
    }

    private static string Fixed(double value, int decimals) => value.ToString("0." + new string('0', decimals), Inv);

    public static string Bytes(long bytes) => bytes.ToString(Inv);
}

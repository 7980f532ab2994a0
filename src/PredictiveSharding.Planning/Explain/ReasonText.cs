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
            : "threshold " + Setting(breach.Limit);
        return string.Create(Inv, $"node {model.Nodes[breach.Node].Id} {model.Resources[breach.Resource]} at step {breach.Step} ({Time(model.StepTime(breach.Step))}): {Share(breach.Utilization, breach.Limit, 2)} × capacity at q{Quantile(breach.Quantile)} > {limit}");
    }

    public static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Inv);

    public static string Quantile(double q) => q.ToString("0.###", Inv);

    public static string Share(double value) => value.ToString("0.00", Inv);

    /// <summary>
    /// A setting a reason holds a value against (a threshold, the split or merge share) with the decimals it has: at least two,
    /// at most six ("0.50", "0.35", "0.004"). Two fixed decimals printed a merge share of 0.004 as "0.00", below the peak it
    /// bounds.
    /// </summary>
    public static string Setting(double value) => value.ToString("0.00####", Inv);

    /// <summary>
    /// A value held against <paramref name="setting"/>: with <paramref name="decimals"/> decimals, or as many as the
    /// setting is shown with (<see cref="Setting"/>) when that is more, and more still (at most six) while the two would
    /// not read in the order they are in: a utilisation of 0.803 over a threshold of 0.8 reads 0.803, not 0.80.
    /// </summary>
    public static string Share(double value, double setting, int decimals)
    {
        var shown = Setting(setting);
        var shownSetting = double.Parse(shown, Inv);
        var separator = shown.IndexOf('.', StringComparison.Ordinal);
        decimals = Math.Max(decimals, separator < 0 ? 0 : shown.Length - separator - 1);
        var text = Fixed(value, decimals);
        while (decimals < 6 && double.Parse(text, Inv).CompareTo(shownSetting) != value.CompareTo(setting))
        {
            text = Fixed(value, ++decimals);
        }

        return text;
    }

    private static string Fixed(double value, int decimals) => value.ToString("0." + new string('0', decimals), Inv);

    public static string Bytes(long bytes) => bytes.ToString(Inv);
}

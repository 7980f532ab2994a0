using System.Globalization;

namespace PredictiveSharding.Planning.OrTools.Explain;

/// <summary>
/// How a reason prints a value beside the setting it exceeds, as the genetic planner's reasons do (its ReasonText, which
/// this package cannot reach): with two fixed decimals a node just over its 0.8 threshold read "0.80 × capacity … >
/// threshold 0.80", and a threshold of 0.855 was printed "0.86".
/// </summary>
internal static class ReasonNumbers
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A setting (a threshold) with the decimals it has: at least two, at most six ("0.80", "0.855").</summary>
    public static string Setting(double value) => value.ToString("0.00####", Inv);

    /// <summary>
    /// A value held against <paramref name="setting"/>: with as many decimals as the setting is shown with (at least
    /// two), and more (at most six) while the two would not read in the order they are in ("0.803" over "0.80").
    /// </summary>
    public static string Against(double value, double setting)
    {
        var shown = Setting(setting);
        var shownSetting = double.Parse(shown, Inv);
        var separator = shown.IndexOf('.', StringComparison.Ordinal);
        var decimals = Math.Max(2, separator < 0 ? 0 : shown.Length - separator - 1);
        var text = Fixed(value, decimals);
        while (decimals < 6 && double.Parse(text, Inv).CompareTo(shownSetting) != value.CompareTo(setting))
        {
            text = Fixed(value, ++decimals);
        }

        return text;
    }

    private static string Fixed(double value, int decimals) => value.ToString("0." + new string('0', decimals), Inv);
}

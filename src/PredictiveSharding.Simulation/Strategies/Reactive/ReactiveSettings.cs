using System.Globalization;

namespace PredictiveSharding.Simulation.Strategies.Reactive;

/// <summary>One setting of the reactive strategy.</summary>
/// <param name="ThresholdShare">A partition is hot while its load per step exceeds this share of a node's capacity.</param>
/// <param name="ConsecutiveSteps">It is split once it has been hot this many steps in a row.</param>
internal sealed record ReactiveSettings(double ThresholdShare, int ConsecutiveSteps)
{
    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"split threshold {ThresholdShare:0.###} × node capacity, {ConsecutiveSteps} consecutive step{(ConsecutiveSteps == 1 ? string.Empty : "s")}");
}

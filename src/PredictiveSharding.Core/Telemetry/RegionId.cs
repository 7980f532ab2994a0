namespace PredictiveSharding.Telemetry;

/// <summary>
/// A client region registered with <see cref="LoadRecorder.RegisterRegion"/>; a small index so that recording a
/// region on the request path costs one increment. <c>default</c> means "unknown region".
/// </summary>
public readonly record struct RegionId
{
    internal RegionId(int index) => Index = index;

    /// <summary>The unknown region.</summary>
    public static RegionId Unknown => default;

    internal int Index { get; }
}

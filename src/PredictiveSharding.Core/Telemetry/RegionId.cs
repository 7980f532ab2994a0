namespace PredictiveSharding.Telemetry;

/// <summary>
/// A client region registered with <see cref="LoadRecorder.RegisterRegion"/>; a small index so that recording a
/// region on the request path costs one increment. <c>default</c> means "unknown region". It is valid only with the
/// recorder that registered it.
/// </summary>
public readonly record struct RegionId
{
    internal RegionId(int recorder, int index)
    {
        Recorder = recorder;
        Index = index;
    }

    /// <summary>The unknown region.</summary>
    public static RegionId Unknown => default;

    // Which recorder registered it: the index alone is valid in every recorder with as many regions, under another name.
    internal int Recorder { get; }

    internal int Index { get; }
}

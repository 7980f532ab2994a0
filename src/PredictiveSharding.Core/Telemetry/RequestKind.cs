namespace PredictiveSharding.Telemetry;

/// <summary>Whether a request reads or writes.</summary>
public enum RequestKind
{
    /// <summary>A read.</summary>
    Read = 0,

    /// <summary>A write.</summary>
    Write = 1,
}

namespace PredictiveSharding.Hosting.ControlLoop;

/// <summary>How far a control cycle went.</summary>
public enum ControlCycleStage
{
    /// <summary>Harvested load only: not enough history to forecast yet.</summary>
    Observed,

    /// <summary>Forecast and planned; the plan had no action, or execution is off.</summary>
    Planned,

    /// <summary>Forecast, planned and executed.</summary>
    Executed,
}

namespace PredictiveSharding.Hosting.ControlLoop;

/// <summary>The loop's last outcome, for health checks and dashboards. Thread-safe.</summary>
public sealed class ControlLoopStatus
{
    private readonly Lock _lock = new();
    private DateTimeOffset? _lastSuccess;
    private DateTimeOffset? _lastFailure;
    private Exception? _lastError;
    private int _consecutiveFailures;
    private int _consecutiveFailedPlans;
    private string? _lastPlanError;

    /// <summary>When a cycle last completed, or null.</summary>
    public DateTimeOffset? LastSuccess
    {
        get
        {
            lock (_lock)
            {
                return _lastSuccess;
            }
        }
    }

    /// <summary>When a cycle last failed, or null.</summary>
    public DateTimeOffset? LastFailure
    {
        get
        {
            lock (_lock)
            {
                return _lastFailure;
            }
        }
    }

    /// <summary>The last cycle's error, or null when the last cycle succeeded.</summary>
    public Exception? LastError
    {
        get
        {
            lock (_lock)
            {
                return _lastError;
            }
        }
    }

    /// <summary>Failed cycles since the last success.</summary>
    public int ConsecutiveFailures
    {
        get
        {
            lock (_lock)
            {
                return _consecutiveFailures;
            }
        }
    }

    /// <summary>
    /// Executed plans in a row none of whose actions took effect (every one rolled back, skipped or failed): cycles
    /// that themselves succeed while the executor achieves nothing, e.g. a Redis master down that makes every plan refused.
    /// Zero after a plan with an action that took effect (<see cref="Executing.PlanActionResult.TookEffect"/>: completed,
    /// or completed with its clean-up pending, since the new owner serves the range); cycles that execute nothing leave it
    /// as it is. Only the plan's own actions count: a move of an earlier plan that the executor's recovery finishes before running this one (the
    /// journalled executor's) is not this plan's success, and a plan whose own actions all failed counts as failed
    /// however much that recovery finished. A plan whose executor threw part-way counts by the actions that ended.
    /// </summary>
    public int ConsecutiveFailedPlans
    {
        get
        {
            lock (_lock)
            {
                return _consecutiveFailedPlans;
            }
        }
    }

    /// <summary>The first error the last plan none of whose actions took effect reported, or null.</summary>
    public string? LastPlanError
    {
        get
        {
            lock (_lock)
            {
                return _lastPlanError;
            }
        }
    }

    internal void PlanExecuted(int tookEffect, int notCompleted, string? firstError)
    {
        lock (_lock)
        {
            if (tookEffect > 0)
            {
                _consecutiveFailedPlans = 0;
                _lastPlanError = null;
            }
            else if (notCompleted > 0 || firstError is not null)
            {
                _consecutiveFailedPlans++;
                _lastPlanError = firstError;
            }
        }
    }

    internal void Succeeded(DateTimeOffset at)
    {
        lock (_lock)
        {
            _lastSuccess = at;
            _lastError = null;
            _consecutiveFailures = 0;
        }
    }

    internal void Failed(DateTimeOffset at, Exception error)
    {
        lock (_lock)
        {
            _lastFailure = at;
            _lastError = error;
            _consecutiveFailures++;
        }
    }
}

namespace PredictiveSharding.Hosting.ControlLoop;

/// <summary>The loop's last outcome, for health checks and dashboards. Thread-safe.</summary>
public sealed class ControlLoopStatus
{
    private readonly Lock _lock = new();
    private DateTimeOffset? _lastSuccess;
    private DateTimeOffset? _lastFailure;
    private Exception? _lastError;
    private int _consecutiveFailures;

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

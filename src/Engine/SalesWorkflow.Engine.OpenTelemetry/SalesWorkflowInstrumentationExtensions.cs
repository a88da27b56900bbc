using SalesWorkflow.Engine.Hosting;

namespace OpenTelemetry.Trace
{
    /// <summary>Adds the SalesWorkflow engine's spans to an OpenTelemetry tracer provider.</summary>
    public static class SalesWorkflowTracerProviderBuilderExtensions
    {
        /// <summary>
        /// Records the engine's spans (docs/telemetry.md): <c>salesworkflow.command</c> with its <c>salesworkflow.commit</c>
        /// and <c>salesworkflow.decide</c> children, <c>salesworkflow.timers</c>, <c>salesworkflow.sweep</c> and
        /// <c>salesworkflow.sink.deliver</c>. A command is a child of the caller's span, so it joins the request's trace.
        /// </summary>
        /// <param name="builder">The tracer provider builder.</param>
        /// <returns>The same builder, for chaining.</returns>
        public static TracerProviderBuilder AddSalesWorkflowInstrumentation(this TracerProviderBuilder builder)
        {
            ArgumentNullException.ThrowIfNull(builder);
            return builder.AddSource(SalesWorkflowInstrumentation.ActivitySourceName);
        }
    }
}

namespace OpenTelemetry.Metrics
{
    /// <summary>Adds the SalesWorkflow engine's metrics to an OpenTelemetry meter provider.</summary>
    public static class SalesWorkflowMeterProviderBuilderExtensions
    {
        /// <summary>
        /// Records the engine's metrics (docs/telemetry.md lists each name, unit and tag): commands by outcome, command
        /// and evaluation durations, gate refusals by stage, timers fired, sweep work and duration, sink deliveries and
        /// dead letters.
        /// </summary>
        /// <param name="builder">The meter provider builder.</param>
        /// <returns>The same builder, for chaining.</returns>
        public static MeterProviderBuilder AddSalesWorkflowInstrumentation(this MeterProviderBuilder builder)
        {
            ArgumentNullException.ThrowIfNull(builder);
            return builder.AddMeter(SalesWorkflowInstrumentation.MeterName);
        }
    }
}

package main

import (
	"github.com/open-telemetry/opentelemetry-collector-contrib/exporter/prometheusexporter"
	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/healthcheckextension"
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/resourceprocessor"
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/transformprocessor"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/debugexporter"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/batchprocessor"
	"go.opentelemetry.io/collector/processor/memorylimiterprocessor"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/service/telemetry/otelconftelemetry"
)

// components lists exactly what the rendered ConfigMap
// (dist/manifests/cluster-addons/observability/configmap-otel-collector.yaml) uses and can run
// offline, plus two local stand-ins:
//   - resource: stands in for k8sattributes (no Kubernetes API here),
//   - debug: stands in for otlphttp/azuremonitor (no Azure here).
//
// k8sattributes, otlphttp and the azure_auth extension are left out on purpose: a config that
// still names them fails, so a deviation cannot go unnoticed.
func components() (otelcol.Factories, error) {
	var err error
	factories := otelcol.Factories{Telemetry: otelconftelemetry.NewFactory()}

	if factories.Receivers, err = otelcol.MakeFactoryMap[receiver.Factory](
		otlpreceiver.NewFactory(),
	); err != nil {
		return otelcol.Factories{}, err
	}
	if factories.Processors, err = otelcol.MakeFactoryMap[processor.Factory](
		memorylimiterprocessor.NewFactory(),
		batchprocessor.NewFactory(),
		transformprocessor.NewFactory(),
		resourceprocessor.NewFactory(),
	); err != nil {
		return otelcol.Factories{}, err
	}
	if factories.Exporters, err = otelcol.MakeFactoryMap[exporter.Factory](
		prometheusexporter.NewFactory(),
		debugexporter.NewFactory(),
	); err != nil {
		return otelcol.Factories{}, err
	}
	if factories.Extensions, err = otelcol.MakeFactoryMap[extension.Factory](
		healthcheckextension.NewFactory(),
	); err != nil {
		return otelcol.Factories{}, err
	}
	// What `otelcol components` prints as each component's module (ocb writes the same maps).
	factories.ReceiverModules = map[component.Type]string{
		otlpreceiver.NewFactory().Type(): "go.opentelemetry.io/collector/receiver/otlpreceiver v" + version,
	}
	factories.ProcessorModules = map[component.Type]string{
		memorylimiterprocessor.NewFactory().Type(): "go.opentelemetry.io/collector/processor/memorylimiterprocessor v" + version,
		batchprocessor.NewFactory().Type():         "go.opentelemetry.io/collector/processor/batchprocessor v" + version,
		transformprocessor.NewFactory().Type():     contrib + "/processor/transformprocessor v" + version,
		resourceprocessor.NewFactory().Type():      contrib + "/processor/resourceprocessor v" + version,
	}
	factories.ExporterModules = map[component.Type]string{
		prometheusexporter.NewFactory().Type(): contrib + "/exporter/prometheusexporter v" + version,
		debugexporter.NewFactory().Type():      "go.opentelemetry.io/collector/exporter/debugexporter v" + version,
	}
	factories.ExtensionModules = map[component.Type]string{
		healthcheckextension.NewFactory().Type(): contrib + "/extension/healthcheckextension v" + version,
	}
	return factories, nil
}

const contrib = "github.com/open-telemetry/opentelemetry-collector-contrib"

import { describeReferenceAudioApi } from './reference-audio.suite.js';

// TEST_DATABASE_URL (MariaDB by default) and the local storage driver.
describeReferenceAudioApi('the test database and local storage', () => ({}));
